"""The messages a clinic sends about sessions: reminder times, and each message to send or sent."""

from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class ReminderOffset(models.Model):
    """How long before a session a reminder goes out. The clinic edits these (24 h and 2 h to start)."""

    hours_before = models.PositiveSmallIntegerField(_("hours before the session"), unique=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["-hours_before"]
        verbose_name = _("reminder time")
        verbose_name_plural = _("reminder times")
        db_table = "scheduling_reminderoffset"  # the table keeps the name it had in scheduling
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_before__gte=1),
                name="reminder_offset_positive",
                violation_error_message=_("A reminder goes out at least 1 hour before the session."),
            )
        ]

    def __str__(self):
        return f"{self.hours_before} h"


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    SMS = "sms", _("SMS")


class DispatchStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", pgettext_lazy("message status", "failed")
    SKIPPED = "skipped", _("skipped")


NOTICE_KINDS = ("moved", "replanned", "cancelled", "course_cancelled", "added")  # scheduling.PlanChangeKind
OFFER_KIND = "waitlist_offer"  # to the patient: a freed time from the waiting list (scheduling.WaitlistOffer)
REPORT_KIND = "warning_report"  # to the session's clinician: a patient reported a problem (scheduling.WarningReport)
INVITE_KIND = "review_invite"  # to the patient: rate the completed course (results.ReviewInvitation)


class Dispatch(models.Model):
    """One message to one patient by one channel: a reminder, the aftercare note or a notice of a change.

    The beat scan derives these from the sessions and the changes of plan; the unique constraints
    make a second scan, or a second beat, harmless. `sequence` ties a reminder to the session's time
    when it was made: a moved session has a new sequence and gets new reminders; the old ones are
    skipped. A notice (`change` set, `kind` the change's) is filed under the change's first session.
    """

    session = models.ForeignKey("scheduling.Session", on_delete=models.CASCADE, related_name="dispatches")
    change = models.ForeignKey(
        "scheduling.PlanChange", on_delete=models.CASCADE, null=True, blank=True, related_name="dispatches"
    )
    # A message to the session's clinician, not the patient: a patient reported a problem after the session.
    report = models.ForeignKey(
        "scheduling.WarningReport", on_delete=models.CASCADE, null=True, blank=True, related_name="dispatches"
    )
    # To the patient: a freed time offered from the waiting list (scheduling.WaitlistOffer).
    offer = models.ForeignKey(
        "scheduling.WaitlistOffer", on_delete=models.CASCADE, null=True, blank=True, related_name="dispatches"
    )
    # To the patient: the one invitation to review a completed course (results.ReviewInvitation).
    invitation = models.ForeignKey(
        "results.ReviewInvitation", on_delete=models.CASCADE, null=True, blank=True, related_name="dispatches"
    )
    kind = models.CharField(_("message"), max_length=20)  # "before_24h", "before_2h", "aftercare"
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    sequence = models.PositiveIntegerField()
    due_at = models.DateTimeField(_("due"))
    not_before = models.DateTimeField(_("not before"))
    status = models.CharField(
        _("status"), max_length=10, choices=DispatchStatus.choices, default=DispatchStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Random, made by the database with the row (the scan inserts with raw SQL): the email's Message-ID
    # carries it, so a restored database or another environment reusing an id never reuses a Message-ID,
    # while a message sent again after a crash keeps its own.
    message_key = models.UUIDField(db_default=RandomUUID(), editable=False)

    class Meta:
        ordering = ["due_at", "channel", "id"]
        db_table = "scheduling_dispatch"  # the table keeps the name it had in scheduling
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind", "channel", "sequence"],
                name="dispatch_once",
                violation_error_message=_("This message is already recorded for this session."),
            ),
            models.UniqueConstraint(
                fields=["change", "channel"],
                condition=Q(change__isnull=False),
                name="dispatch_notice_once",
                violation_error_message=_("This notice is already recorded for this channel."),
            ),
            models.UniqueConstraint(
                fields=["report", "channel"],
                condition=Q(report__isnull=False),
                name="dispatch_report_once",
                violation_error_message=_("This warning report's notification is already recorded for this channel."),
            ),
            models.UniqueConstraint(
                fields=["offer"],
                condition=Q(offer__isnull=False),
                name="dispatch_offer_once",
                violation_error_message=_("This waiting-list offer's message is already recorded."),
            ),
            models.UniqueConstraint(
                fields=["invitation"],
                condition=Q(invitation__isnull=False),
                name="dispatch_invitation_once",
                violation_error_message=_("This review invitation's message is already recorded."),
            ),
        ]
        indexes = [models.Index(fields=["status", "not_before"], name="dispatch_status_not_before")]

    def __str__(self):
        return f"{self.kind} {self.channel} #{self.session_id}"

    @property
    def is_notice(self) -> bool:
        return self.kind in NOTICE_KINDS

    @property
    def is_report(self) -> bool:
        return self.kind == REPORT_KIND

    @property
    def is_offer(self) -> bool:
        return self.kind == OFFER_KIND

    @property
    def is_invitation(self) -> bool:
        return self.kind == INVITE_KIND

    @property
    def kind_display(self) -> str:
        if self.kind == "aftercare":
            return gettext("aftercare")
        if self.is_report:
            return gettext("to the clinician: a patient reported a problem")
        if self.is_offer:
            return gettext("waiting list: a time offered")
        if self.is_invitation:
            return gettext("invitation to review the course")
        if self.is_notice:
            return {
                "moved": gettext("notice: session moved"),
                "replanned": gettext("notice: course re-planned"),
                "cancelled": gettext("notice: session cancelled"),
                "course_cancelled": gettext("notice: course cancelled"),
                "added": gettext("notice: session added"),
            }[self.kind]
        hours = int(self.kind.removeprefix("before_").removesuffix("h"))
        # English abbreviates the unit in both forms; Russian spells the word, which declines with the number.
        return ngettext("reminder %(hours)s h before", "reminder %(hours)s h before", hours) % {"hours": hours}

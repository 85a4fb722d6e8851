import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Deferrable, F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import dates
from core.storage import PrivateStorage
from procedures.models import VersionedRecord, versioned_constraints


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    location = models.ForeignKey(
        "accounts.Location", on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("location")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "weekday"],
                name="opening_hours_one_per_day",
                violation_error_message=_("This location already has opening hours for that weekday."),
            ),
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")),
                name="opening_hours_order",
                violation_error_message=_("The clinic must open before it closes."),
            ),
        ]

    def __str__(self):
        return f"{self.location}: {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """A holiday or closure of a location, whole days."""

    location = models.ForeignKey(
        "accounts.Location", on_delete=models.CASCADE, related_name="closures", verbose_name=_("location")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("closure or holiday")
        verbose_name_plural = _("closures and holidays")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")),
                name="closure_order",
                violation_error_message=_("A closure's last day cannot be before its first day."),
            )
        ]

    def __str__(self):
        return f"{self.location}: {self.starts_on}–{self.ends_on} {self.reason}"


class Resource(models.Model):
    """A room or device that serves one session at a time."""

    location = models.ForeignKey(
        "accounts.Location", on_delete=models.CASCADE, related_name="resources", verbose_name=_("location")
    )
    kind = models.ForeignKey("procedures.ResourceKind", on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["location", "kind", "name"]
        verbose_name = _("room or device")
        verbose_name_plural = _("rooms and devices")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"],
                name="resource_name_unique",
                violation_error_message=_("This location already has a room or device of that name."),
            )
        ]

    def __str__(self):
        return self.name


class StaffHours(models.Model):
    """When a clinician works, per weekday; one location a day."""

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(
        "accounts.Location", on_delete=models.CASCADE, related_name="+", verbose_name=_("location")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        ordering = ["clinician", "weekday"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "weekday"],
                name="staff_hours_one_per_day",
                violation_error_message=_("This clinician already has working hours for that weekday."),
            ),
            models.CheckConstraint(
                condition=Q(starts__lt=F("ends")),
                name="staff_hours_order",
                violation_error_message=_("Working hours must start before they end."),
            ),
        ]

    def __str__(self):
        return f"{self.clinician}: {self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class Leave(models.Model):
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leaves")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")),
                name="leave_order",
                violation_error_message=_("Leave cannot end before it starts."),
            )
        ]

    def __str__(self):
        return f"{self.clinician}: {self.starts_on}–{self.ends_on}"


class Certification(models.Model):
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications")
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.CASCADE, related_name="certifications")
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["clinician", "procedure"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "procedure"],
                name="certification_unique",
                violation_error_message=_(
                    "This clinician already has a certificate for this procedure: change its date instead."
                ),
            )
        ]

    def __str__(self):
        return f"{self.clinician}: {self.procedure} until {self.valid_until}"


class CourseStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    COMPLETED = "completed", pgettext_lazy("course status", "completed")
    CANCELLED = "cancelled", _("cancelled")


class SkinTreatment(models.TextChoices):
    """What post-procedure cryotherapy follows (DOMAIN.md)."""

    LASER = "laser", _("laser")
    PEEL = "peel", _("chemical peel")
    MICRODERMABRASION = "microdermabrasion", _("microdermabrasion")
    OTHER = "other", _("other")


class Course(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="courses")
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.PROTECT, related_name="courses")
    location = models.ForeignKey(
        "accounts.Location", on_delete=models.PROTECT, related_name="courses", verbose_name=_("location")
    )
    status = models.CharField(_("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.ACTIVE)
    session_count = models.PositiveSmallIntegerField(_("sessions"))
    price_per_session = models.DecimalField(_("price per session"), max_digits=10, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, validators=[MaxValueValidator(100)]
    )
    total_price = models.DecimalField(_("price of the course"), max_digits=12, decimal_places=2)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # A combined visit: each session of this course shares its day with a session of the other.
    combined_with = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="combined_from",
        verbose_name=_("combined with"),
    )
    # Copied from the procedure at booking (not allow_concurrent_courses): the database keeps one
    # active course of a procedure per patient where the clinic asks for it.
    exclusive = models.BooleanField(default=True, db_default=True)
    # The laser, peel or microdermabrasion a course of post-procedure cryotherapy follows (the
    # procedure's follows_skin_treatment), and the end of its healing phase, copied at booking like
    # the price: a later change of the procedure's setting does not move it.
    preceding_kind = models.CharField(
        _("follows"), max_length=20, choices=SkinTreatment.choices, blank=True, default=""
    )
    preceding_kind_other = models.CharField(_("which treatment"), max_length=200, blank=True, default="")
    preceding_date = models.DateField(_("date of the treatment it follows"), null=True, blank=True)
    preceding_elsewhere = models.BooleanField(_("done at another clinic"), default=False)
    healing_phase_until = models.DateField(_("healing phase until"), null=True, blank=True)
    # None: the patient booked it, taking a waiting-list offer.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_price__gte=0),
                name="course_price_not_negative",
                violation_error_message=_("The price of a course cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(session_count__gte=1),
                name="course_has_sessions",
                violation_error_message=_("A course needs at least one session."),
            ),
            models.UniqueConstraint(
                fields=["patient", "procedure"],
                condition=Q(status=CourseStatus.ACTIVE, exclusive=True),
                name="course_one_active_per_procedure",
                violation_error_message=_(
                    "The patient already has an active course of this procedure; finish or cancel it first."
                ),
            ),
            models.CheckConstraint(
                condition=Q(preceding_kind="", preceding_date__isnull=True, healing_phase_until__isnull=True)
                | (
                    ~Q(preceding_kind="")
                    & Q(preceding_date__isnull=False, healing_phase_until__gte=F("preceding_date"))
                ),
                name="course_preceding_treatment_whole",
                violation_error_message=_(
                    "The treatment a course follows needs its kind, its date and the end of its healing phase."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(preceding_kind=SkinTreatment.OTHER) | ~Q(preceding_kind_other=""),
                name="course_preceding_other_named",
                violation_error_message=_("Say which treatment the course follows."),
            ),
        ]

    def __str__(self):
        return f"{self.procedure} · {self.patient}"

    def get_absolute_url(self):
        return reverse("scheduling:course", args=[self.pk])

    @property
    def preceding_name(self) -> str:
        """ "laser", or the treatment named when it is another one."""
        if self.preceding_kind == SkinTreatment.OTHER:
            return self.preceding_kind_other
        return self.get_preceding_kind_display() if self.preceding_kind else ""

    @property
    def preceding_summary(self) -> str:
        """ "Follows: laser, 28 November 2026 — healing phase until 12 December 2026" (dates are the
        location's local days, as the administrator entered them)."""
        if not self.preceding_kind:
            return ""
        text = _("Follows: %(kind)s, %(date)s — healing phase until %(until)s") % {
            "kind": self.preceding_name,
            "date": dates.long_date(self.preceding_date),
            "until": dates.long_date(self.healing_phase_until),
        }
        return f"{text} ({_('done at another clinic')})" if self.preceding_elsewhere else text


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    COMPLETED = "completed", pgettext_lazy("session status", "completed")
    NO_SHOW = "no_show", _("no-show")
    CANCELLED = "cancelled", _("cancelled")


# Sessions in these states hold their clinician, patient and resources.
ACTIVE_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.COMPLETED)
_ACTIVE = Q(status__in=ACTIVE_STATUSES)


class SessionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(_ACTIVE)

    def overlapping(self, start, end):
        return self.filter(start__lt=end, end__gt=start)

    def on_local_day(self, day, tz):
        begin = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        return self.filter(start__gte=begin, start__lt=begin + datetime.timedelta(days=1))


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    # Denormalised from the course so that the database can refuse a patient's overlapping sessions.
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="sessions")
    location = models.ForeignKey(
        "accounts.Location", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("location")
    )
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    sequence = models.PositiveIntegerField(default=0, help_text="Raised on every move (iCalendar SEQUENCE).")
    # When the current start was set (booking or the last move): reminders due before it are not sent.
    rescheduled_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed by the patient"), null=True, blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(_("reason"), blank=True)
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by")
    # A combined visit: this session (of the course that follows) shares its visit with that one
    # (cryomassage, done first). The two move and are cancelled together.
    companion_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="companion"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["location", "start"], name="session_location_start"),
            models.Index(fields=["clinician", "start"], name="session_clinician_start"),
            models.Index(fields=["patient", "start"], name="session_patient_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="session_end_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            ExclusionConstraint(
                name="session_clinician_no_overlap",
                violation_error_message=_("The clinician has another session at that time."),
                expressions=[(TsTzRange("start", "end"), RangeOperators.OVERLAPS), ("clinician", RangeOperators.EQUAL)],
                condition=_ACTIVE,
                # Checked at commit, so a course can be shifted session by session inside one transaction.
                deferrable=Deferrable.DEFERRED,
            ),
            ExclusionConstraint(
                name="session_patient_no_overlap",
                violation_error_message=_("The patient has another session at that time."),
                expressions=[(TsTzRange("start", "end"), RangeOperators.OVERLAPS), ("patient", RangeOperators.EQUAL)],
                condition=_ACTIVE,
                # Checked at commit, so a course can be shifted session by session inside one transaction.
                deferrable=Deferrable.DEFERRED,
            ),
        ]

    def __str__(self):
        return f"{self.course} · {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ResourceBooking(models.Model):
    """A session's hold on one room or device; the database refuses two active holds at once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="bookings")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("room or device booking")
        verbose_name_plural = _("room and device bookings")
        indexes = [models.Index(fields=["resource", "start"], name="booking_resource_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "resource"],
                name="booking_unique",
                violation_error_message=_("This room or device is already booked for this session."),
            ),
            ExclusionConstraint(
                name="booking_resource_no_overlap",
                violation_error_message=_("This room or device is booked for another session at that time."),
                expressions=[(TsTzRange("start", "end"), RangeOperators.OVERLAPS), ("resource", RangeOperators.EQUAL)],
                condition=Q(active=True),
                deferrable=Deferrable.DEFERRED,
            ),
        ]

    def __str__(self):
        return f"{self.resource} · {self.start:%Y-%m-%d %H:%M}"


class BookingRequestStatus(models.TextChoices):
    NEW = "new", _("new")
    HANDLED = "handled", _("handled")
    DISMISSED = "dismissed", _("dismissed")


class BookingRequest(models.Model):
    """A request left on the clinic's website, waiting for a registrar."""

    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40)
    procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("procedure"),
    )
    preferred_time = models.CharField(_("preferred time"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=BookingRequestStatus.choices, default=BookingRequestStatus.NEW
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Set when a signed-in patient asks from the portal to move this session.
    session = models.ForeignKey(
        "Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="move_requests",
        verbose_name=_("session to move"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The personal-data consent (152-FZ) ticked on the website, and the version of its text then.
    privacy_consent_version = models.ForeignKey(
        "consents.ConsentTemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personal-data consent: text version"),
    )
    privacy_consent_at = models.DateTimeField(_("personal-data consent given at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("website request")
        verbose_name_plural = _("website requests")
        indexes = [models.Index(fields=["status", "-created_at"], name="request_status_created")]

    def __str__(self):
        return f"{self.name} {self.phone}"


class SessionNote(VersionedRecord):
    """What a clinician did in a session and how the patient reacted: a medical record, signed, never
    edited (a correction is a new version of the same chain), like a screening."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="notes", verbose_name=_("session"))
    zones = models.CharField(_("zones treated"), max_length=300)
    passes = models.PositiveSmallIntegerField(
        _("passes per line"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    exposure_seconds = models.PositiveSmallIntegerField(
        _("exposure per pass, seconds"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    volume_ml = models.DecimalField(
        _("volume injected, ml"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(50)],
    )
    reaction = models.TextField(_("immediate reaction"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["session__start", "-version"]
        verbose_name = _("session note")
        verbose_name_plural = _("session notes")
        constraints = [
            *versioned_constraints(
                "session_note",
                _("Say why the note is corrected."),
                version_message=_("This version of the session note is already recorded."),
                amends_message=_("A correction must name the version it corrects."),
            ),
            # One record per session: later versions correct it.
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(version=1),
                name="session_note_one_per_session",
                violation_error_message=_("This session already has a note: correct it instead."),
            ),
            models.CheckConstraint(
                condition=~Q(zones=""),
                name="session_note_zones_given",
                violation_error_message=_("Say which zones were treated."),
            ),
        ]

    def __str__(self):
        return f"{self.session} v{self.version}"

    def get_absolute_url(self):
        return reverse("scheduling:session-note", args=[self.pk])


class PlanChangeKind(models.TextChoices):
    MOVED = "moved", _("session moved")
    REPLANNED = "replanned", _("course re-planned")
    CANCELLED = "cancelled", _("session cancelled")
    COURSE_CANCELLED = "course_cancelled", _("course cancelled")
    ADDED = "added", _("session added")


class PlanChange(models.Model):
    """What the clinic changed in one patient's plan by one action: the patient's notice is derived from it.

    Written by the service that makes the change, in its transaction; a change the patient made
    themselves is not recorded. `sessions` lists every session the action touched (a combined
    visit's partner too), each as {"id", "old", "new", "seq"}: ISO times (`old` None for an added
    session, `new` None for a cancelled one) and the session's SEQUENCE once changed. `session` is
    the first of them (a notice is filed under it); `sequence` is its SEQUENCE once changed.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="plan_changes")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(_("change"), max_length=20, choices=PlanChangeKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    sessions = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("change of plan")
        verbose_name_plural = _("changes of plan")
        indexes = [models.Index(fields=["created_at"], name="planchange_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in PlanChangeKind]),
                name="planchange_kind_known",
                violation_error_message=_("Unknown kind of change of plan."),
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.session_id}"


class WarningSign(models.TextChoices):
    """The warning signs after a session that need the clinic (DOMAIN.md, "After a session")."""

    SWELLING = "swelling", _("strong swelling")
    DARK_CIRCLES = "dark_circles", _("dark circles under the eyes")
    IRRITATION = "irritation", _("itching, irritation, red spots")
    FEVER = "fever", _("a raised temperature with no other cause")
    SCARS = "scars", _("scars")
    DRYNESS = "dryness", _("excessive dryness")
    OTHER = "other", pgettext_lazy("a warning sign", "something else")


# The signs that may mean a spreading reaction or an infection: the patient is shown the clinic's
# phone at once and the clinician's list puts the report first. The rest can wait for a reply.
URGENT_SIGNS = (WarningSign.SWELLING, WarningSign.DARK_CIRCLES, WarningSign.FEVER)


class WarningReportVia(models.TextChoices):
    PORTAL = "portal", _("the portal")
    LINK = "link", _("the link in the aftercare message")


def _report_photo_path(report, filename: str) -> str:
    return f"warning-reports/{report.patient_id}/{uuid.uuid4().hex}.jpg"


class WarningReport(models.Model):
    """A problem a patient reports after a session: a medical record, never edited or deleted.

    `urgent` is derived from the signs when the report is made (URGENT_SIGNS) and the database
    holds it to that rule. The photo is re-encoded without its metadata and kept in the private
    storage; what the clinic did about the report is appended as WarningReportAction rows.
    """

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="warning_reports", verbose_name=_("session")
    )
    # Denormalised from the session, as on the other medical records: the patient's record reads it.
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    signs = ArrayField(models.CharField(max_length=20, choices=WarningSign.choices), verbose_name=_("signs"))
    text = models.TextField(_("what the patient wrote"), blank=True, max_length=2000)
    photo = models.ImageField(_("photo"), storage=PrivateStorage(), upload_to=_report_photo_path, blank=True)
    urgent = models.BooleanField(_("urgent"))
    via = models.CharField(_("sent from"), max_length=10, choices=WarningReportVia.choices)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("warning report")
        verbose_name_plural = _("warning reports")
        indexes = [models.Index(fields=["created_at"], name="warningreport_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(signs=[]) & Q(signs__contained_by=[s.value for s in WarningSign]),
                name="warning_report_signs_known",
                violation_error_message=_("Choose at least one of the signs listed."),
            ),
            models.CheckConstraint(
                condition=~Q(signs__contains=[WarningSign.OTHER.value]) | ~Q(text=""),
                name="warning_report_other_described",
                violation_error_message=_("Describe the problem in a few words."),
            ),
            models.CheckConstraint(
                condition=Q(urgent=True, signs__overlap=[s.value for s in URGENT_SIGNS])
                | (Q(urgent=False) & ~Q(signs__overlap=[s.value for s in URGENT_SIGNS])),
                name="warning_report_urgent_from_signs",
                violation_error_message=_("A report is urgent exactly when it names an urgent sign."),
            ),
            models.CheckConstraint(
                condition=Q(via__in=[v.value for v in WarningReportVia]),
                name="warning_report_via_known",
                violation_error_message=_("Unknown way of sending a report."),
            ),
        ]

    def __str__(self):
        return f"{self.session} · {', '.join(self.signs)}"

    def get_absolute_url(self):
        return reverse("scheduling:warning-report", args=[self.pk])

    @property
    def sign_labels(self) -> list[str]:
        return [WarningSign(code).label for code in self.signs]


class WarningReportAction(models.Model):
    """What a clinician did about a warning report; appended, never edited. One of them may close it."""

    report = models.ForeignKey(
        WarningReport, on_delete=models.PROTECT, related_name="actions", verbose_name=_("warning report")
    )
    action = models.TextField(_("what was done"), max_length=2000)
    resolved = models.BooleanField(_("the problem is resolved"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("action on a warning report")
        verbose_name_plural = _("actions on warning reports")
        constraints = [
            models.CheckConstraint(
                condition=~Q(action=""),
                name="warning_report_action_given",
                violation_error_message=_("Say what was done."),
            ),
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(resolved=True),
                name="warning_report_resolved_once",
                violation_error_message=_("This report is already marked resolved."),
            ),
        ]

    def __str__(self):
        return f"#{self.report_id}: {self.action[:40]}"


class Dewar(models.Model):
    """What a dewar (a device of the nitrogen kind) holds and loses: the figures its forecast needs."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="dewar", verbose_name=_("dewar"))
    capacity_litres = models.DecimalField(
        _("capacity, litres"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0.5)]
    )
    daily_loss_litres = models.DecimalField(
        _("measured loss a day, litres"),
        max_digits=6,
        decimal_places=3,
        help_text=_(
            "Weigh the dewar 24 hours apart with no session between (about 1.5 to 5 per cent of the capacity)."
        ),
    )
    first_cooldown_litres = models.DecimalField(
        _("extra for the day's first cool-down, litres"), max_digits=6, decimal_places=3, default=0
    )
    reserve_litres = models.DecimalField(
        _("reserve, litres"),
        max_digits=6,
        decimal_places=2,
        default=0,
        help_text=_("Order a refill before the forecast falls under this."),
    )
    refill_lead_days = models.PositiveSmallIntegerField(
        _("days from order to refill"), default=2, validators=[MaxValueValidator(60)]
    )
    refuse_when_dry = models.BooleanField(
        _("refuse bookings on days it is forecast to run dry"),
        default=False,
        help_text=_("Otherwise the registrar is warned and may book."),
    )

    class Meta:
        verbose_name = _("dewar")
        verbose_name_plural = _("dewars")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_litres__gt=0),
                name="dewar_capacity_positive",
                violation_error_message=_("A dewar's capacity must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(daily_loss_litres__gte=0, daily_loss_litres__lt=F("capacity_litres")),
                name="dewar_loss_sane",
                violation_error_message=_("The loss a day must be at least zero and less than the capacity."),
            ),
            models.CheckConstraint(
                condition=Q(first_cooldown_litres__gte=0),
                name="dewar_cooldown_not_negative",
                violation_error_message=_("The cool-down extra cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(reserve_litres__gte=0, reserve_litres__lt=F("capacity_litres")),
                name="dewar_reserve_sane",
                violation_error_message=_("The reserve must be at least zero and less than the capacity."),
            ),
        ]

    def __str__(self):
        return str(self.resource)

    def clean(self):
        if self.resource_id and self.resource.kind.slug != "nitrogen-dewar":
            raise ValidationError({"resource": _("Choose a device of the dewar kind.")})


class ReadingKind(models.TextChoices):
    REFILL = "refill", _("refill")
    WEIGHING = "weighing", _("weighing")


class NitrogenReading(models.Model):
    """The level of a dewar at a moment, after a refill or a weighing; never edited (a wrong one is
    followed by a right one)."""

    dewar = models.ForeignKey(Dewar, on_delete=models.CASCADE, related_name="readings", verbose_name=_("dewar"))
    kind = models.CharField(_("reading"), max_length=10, choices=ReadingKind.choices)
    measured_at = models.DateTimeField(_("measured at"))
    litres = models.DecimalField(_("litres"), max_digits=6, decimal_places=2)
    weight_kg = models.DecimalField(
        _("weight of the nitrogen, kg"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-measured_at"]
        verbose_name = _("nitrogen reading")
        verbose_name_plural = _("nitrogen readings")
        indexes = [models.Index(fields=["dewar", "-measured_at"], name="nitrogen_reading_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(litres__gte=0),
                name="nitrogen_reading_not_negative",
                violation_error_message=_("A level cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ReadingKind]),
                name="nitrogen_reading_kind_known",
                violation_error_message=_("Unknown kind of reading."),
            ),
        ]

    def __str__(self):
        return f"{self.dewar} · {self.litres} l"


class NitrogenAlert(models.Model):
    """A warning to the administrators that a dewar's forecast falls under its reserve: one per reading
    (a new refill or weighing starts a new forecast), sent once."""

    reading = models.OneToOneField(NitrogenReading, on_delete=models.CASCADE, related_name="alert")
    under_reserve_on = models.DateField()
    order_by = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("nitrogen warning")
        verbose_name_plural = _("nitrogen warnings")

    def __str__(self):
        return f"{self.reading.dewar} · {self.order_by}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("waiting list", "waiting")
    BOOKED = "booked", pgettext_lazy("waiting list", "booked")
    WITHDRAWN = "withdrawn", pgettext_lazy("waiting list", "withdrawn")


class WaitlistVia(models.TextChoices):
    DESK = "desk", _("the front desk")
    PORTAL = "portal", _("the portal")
    COURSE = "course", _("a cancelled session of the course")


class WaitlistEntry(models.Model):
    """A patient waiting for a course to start sooner: what, where, with whom (optional) and when suits them.

    Weekdays are 0 (Monday) to 6; none means any day. The times are local to the location. The
    order of waiting is `created_at`; `course` is the course the entry became once an offer was taken.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="waitlist_entries")
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="+")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weekdays = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True, verbose_name=_("days"))
    time_from = models.TimeField(_("from"), null=True, blank=True)
    time_to = models.TimeField(_("until"), null=True, blank=True)
    earliest_on = models.DateField(_("not before"))
    latest_on = models.DateField(_("not after"))
    sessions = models.PositiveSmallIntegerField(_("sessions"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    via = models.CharField(_("added through"), max_length=10, choices=WaitlistVia.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("waiting since"), default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # A course's own replacement: the cancelled session this entry waits to replace (one session of
    # that course, at a freed time that keeps its spacing). Such entries are offered a time first.
    replaces = models.OneToOneField(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist_replacement"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")
        indexes = [models.Index(fields=["location", "procedure", "status", "created_at"], name="waitlist_fit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_on__gte=F("earliest_on")),
                name="waitlist_dates_ordered",
                violation_error_message=_("The last day must not be before the first."),
            ),
            models.CheckConstraint(
                condition=Q(time_from__isnull=True) | Q(time_to__isnull=True) | Q(time_to__gt=F("time_from")),
                name="waitlist_times_ordered",
                violation_error_message=_("The end of the time window must be after its start."),
            ),
            models.CheckConstraint(
                condition=Q(weekdays__contained_by=[0, 1, 2, 3, 4, 5, 6]),
                name="waitlist_weekdays_known",
                violation_error_message=_("Days are Monday to Sunday."),
            ),
            models.CheckConstraint(
                condition=Q(sessions__gte=1),
                name="waitlist_sessions_positive",
                violation_error_message=_("A course has at least one session."),
            ),
            models.UniqueConstraint(
                fields=["patient", "procedure"],
                condition=Q(status="waiting", replaces__isnull=True),
                name="waitlist_one_waiting_per_procedure",
                violation_error_message=_("The patient is already on the waiting list for this procedure."),
            ),
        ]

    def __str__(self):
        return f"{self.patient} · {self.procedure} · {self.location}"

    @property
    def weekday_labels(self) -> list[str]:
        return [Weekday(day).label for day in self.weekdays]


class OfferStatus(models.TextChoices):
    OFFERED = "offered", pgettext_lazy("offer", "offered")
    ACCEPTED = "accepted", pgettext_lazy("offer", "accepted")
    TAKEN = "taken", pgettext_lazy("offer", "taken by someone else")
    EXPIRED = "expired", pgettext_lazy("offer", "expired")
    DECLINED = "declined", pgettext_lazy("offer", "declined")
    CLOSED = "closed", pgettext_lazy("offer", "closed: the time was booked")


class WaitlistOffer(models.Model):
    """A freed time offered to one waiting patient, by a link that is the key (its hash stored, never the link).

    The link's token is an HMAC of the offer's id and its random `salt` under SECRET_KEY: the database
    alone cannot make it; it is made again when the message is composed. Single use: any answer ends it.
    """

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    freed_session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    salt = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # When the sweep handed this expired offer's time to the next in line (claimed once, compare and swap).
    passed_on_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waiting list offer")
        verbose_name_plural = _("waiting list offers")
        indexes = [models.Index(fields=["start", "clinician", "status"], name="waitlist_offer_slot")]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "start", "clinician"],
                condition=Q(status="offered"),
                name="waitlist_offer_one_open",
                violation_error_message=_("This time is already offered to this patient."),
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="waitlist_offer_times_ordered",
                violation_error_message=_("An offered time ends after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__lte=F("start")),
                name="waitlist_offer_expires_before_start",
                violation_error_message=_("An offer expires at the latest when the time starts."),
            ),
        ]

    def __str__(self):
        return f"{self.entry} · {self.start:%Y-%m-%d %H:%M}"

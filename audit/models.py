from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("viewed")
    CREATE = "create", _("created")
    AMEND = "amend", _("amended")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    ROLES = "roles", _("roles or permissions changed")
    VIEW_LIST = "view_list", _("viewed a list")
    LOGIN = "login", _("signed in")
    LOGOUT = "logout", _("signed out")
    LOGIN_FAILED = "login_failed", _("failed sign-in")
    DENIED = "denied", _("access refused")


class AuditEvent(models.Model):
    """One thing somebody did. Rows are only ever inserted; a database trigger refuses the rest."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    # A plain id, not a foreign key: the trail does not depend on the patient's row (audit sits below
    # patients in the layers), and no patient row is held back by its trail.
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True, db_index=True)
    record_type = models.CharField(_("record type"), max_length=50, blank=True)
    record_id = models.BigIntegerField(_("record"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["patient_id", "-at"], name="audit_audit_patient_141f76_idx"),
            models.Index(fields=["record_type", "record_id"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.record_type} {self.record_id}"

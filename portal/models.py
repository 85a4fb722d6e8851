"""What the portal keeps: one-time links and calendar-feed secrets, each stored only as a hash."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def token_hash(raw: str) -> str:
    """SHA-256 of a link's random part. A token is 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


class LinkPurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("one-time sign-in link")
    INVITE = "invite", _("invitation to the portal")


class PortalLink(models.Model):
    """A sign-in or invitation link: random, single use, short-lived, kept only as its hash."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="portal_links")
    purpose = models.CharField(max_length=10, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10)  # email or sms: where the link was sent
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")
        indexes = [models.Index(fields=["patient", "-created_at"], name="portal_link_patient")]

    def __str__(self):
        return f"{self.get_purpose_display()} · {self.patient_id} · {self.created_at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A patient's personal calendar address. Revoking deletes the row; the secret is never stored."""

    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="calendar_feed")
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.patient_id} · {self.created_at:%Y-%m-%d}"

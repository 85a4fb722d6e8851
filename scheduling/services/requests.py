"""Requests left on the clinic's website, waiting for a registrar."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.selectors import personal_data_version
from core.limits import limit_key, over_limit
from patients.selectors import patients_visible_to

from ..models import BookingRequest, BookingRequestStatus
from .common import require


def booking_request_submit(*, data: dict, ip: str | None):
    """Store a website request. Refused past PUBLIC_REQUESTS_PER_IP_PER_HOUR, the one limit of the page
    and the API, counted in PostgreSQL like every limiter (it holds when Redis is down); the caller
    handles the honeypot."""
    key = limit_key("public-request-ip", ip or "unknown")
    if over_limit(key, settings.PUBLIC_REQUESTS_PER_IP_PER_HOUR, 3600):
        raise ValidationError(
            _("Too many requests from your address. Please call the clinic instead."), code="throttled"
        )
    data = dict(data)
    if data.pop("privacy_consent", False):  # the box ticked: the version of the text it agreed to
        data["privacy_consent_version"] = personal_data_version()
        data["privacy_consent_at"] = timezone.now()
    booking_request = BookingRequest(ip=ip, **data)
    booking_request.full_clean()
    booking_request.save()
    return booking_request


def booking_request_close(*, actor, booking_request, status: str, patient=None):
    """Close a request as handled (tied to a patient the actor sees) or dismissed; once only."""
    require(actor, "requests.handle")
    if status not in (BookingRequestStatus.HANDLED, BookingRequestStatus.DISMISSED):
        raise ValidationError(_("Unknown status."), code="invalid_status")
    if patient is not None and not patients_visible_to(actor).filter(pk=patient.pk).exists():
        raise ValidationError(_("Choose the patient from the search results."), code="invalid_patient")
    if patient is None and booking_request.session_id:  # a move request: the session's patient
        patient = booking_request.session.patient
    patient = patient or booking_request.patient  # or the one registered from the request
    if status == BookingRequestStatus.HANDLED and patient is None:
        raise ValidationError(_("Find the patient and choose them, or register a new one."), code="patient_required")
    updated = BookingRequest.objects.filter(pk=booking_request.pk, status=BookingRequestStatus.NEW).update(
        status=status, handled_by=actor, patient=patient
    )
    if not updated:
        raise ValidationError(_("This request has already been handled."), code="already_handled")

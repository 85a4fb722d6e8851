"""Requests left on the clinic's website, waiting for a registrar."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import BookingRequest, BookingRequestStatus
from .common import require

REQUESTS_PER_IP_PER_HOUR = 5


def booking_request_submit(*, data: dict, ip: str | None):
    """Store a website request. Refused past the hourly limit per IP; the caller handles the honeypot."""
    key = f"booking-request-ip:{ip or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    if cache.incr(key) > REQUESTS_PER_IP_PER_HOUR:
        raise ValidationError(
            _("Too many requests from your address. Please call the clinic instead."), code="throttled"
        )
    booking_request = BookingRequest(ip=ip, **data)
    booking_request.full_clean()
    booking_request.save()
    return booking_request


def booking_request_close(*, actor, booking_request, status: str, patient=None):
    require(actor, "requests.handle")
    if status not in (BookingRequestStatus.HANDLED, BookingRequestStatus.DISMISSED):
        raise ValidationError(_("Unknown status."), code="invalid_status")
    updated = BookingRequest.objects.filter(pk=booking_request.pk, status=BookingRequestStatus.NEW).update(
        status=status, handled_by=actor, patient=patient
    )
    if not updated:
        raise ValidationError(_("This request has already been handled."), code="already_handled")

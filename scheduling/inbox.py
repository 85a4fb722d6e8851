"""The website-request inbox: which requests a registrar sees, linking a patient, and the booking
wizard's start from a request.

Who sees a request (README, "Who sees which patients"): a request left on the website names no
location (the public form does not ask), so every registrar who works at some location sees it; a
patient's request to move a session belongs to the location of that session's course.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locations import location_ids_of
from consents.models import Method
from consents.services import personal_data_record
from core.policy import require
from patients.selectors import patients_visible_to
from procedures.models import Procedure

from .models import BookingRequest, BookingRequestStatus

_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b")


def booking_requests_visible_to(user):
    ids = location_ids_of(user)
    if not ids:
        return BookingRequest.objects.none()
    return BookingRequest.objects.filter(Q(session__isnull=True) | Q(session__course__location_id__in=ids))


def booking_request_get_for_user(user, pk) -> BookingRequest:
    """The request if the user handles requests and sees it; 403 without the role, 404 otherwise."""
    require(user, "requests.handle")
    return get_object_or_404(
        booking_requests_visible_to(user).select_related("procedure", "patient", "session__course"), pk=pk
    )


def booking_request_link_patient(*, actor, booking_request: BookingRequest, patient) -> None:
    """Tie a request still open to the patient registered (or found) for it."""
    require(actor, "requests.handle")
    if not patients_visible_to(actor).filter(pk=patient.pk).exists():
        raise ValidationError(_("Choose the patient from the search results."), code="invalid_patient")
    updated = BookingRequest.objects.filter(pk=booking_request.pk, status=BookingRequestStatus.NEW).update(
        patient=patient
    )
    if not updated:
        raise ValidationError(_("This request has already been handled."), code="already_handled")
    booking_request.patient = patient
    if booking_request.privacy_consent_version_id:  # the website's box becomes the patient's consent
        personal_data_record(
            patient=patient,
            version=booking_request.privacy_consent_version,
            method=Method.WEB_FORM,
            at=booking_request.privacy_consent_at,
            ip=booking_request.ip,
        )


def preferred_time_of(text: str) -> datetime.time | None:
    """A clock time written in the request's free text ("after 18:30", "10.00"), if there is one."""
    match = _TIME.search(text or "")
    return datetime.time(int(match.group(1)), int(match.group(2))) if match else None


def wizard_request(user, params) -> BookingRequest | None:
    """The request the wizard was opened from (`?request=<id>`), if the user sees it."""
    raw = str(params.get("request", ""))
    if not raw.isdigit():
        return None
    return booking_requests_visible_to(user).select_related("procedure").filter(pk=int(raw)).first()


def wizard_initial(params, *, patient, locations) -> dict:
    """The wizard's first values: the patient's home location when it is one of the user's (else her
    first), tomorrow, and what a request asked for (`?procedure=<slug>&preferred_time=HH:MM`) or a
    free gap on the calendar chose (`&first_day=YYYY-MM-DD&location=<id>&clinician=<id>`)."""
    ids = [location.pk for location in locations]
    initial = {
        "location": patient.home_location_id if patient.home_location_id in ids else next(iter(ids), None),
        "first_day": timezone.localdate() + datetime.timedelta(days=1),
    }
    initial.update(_chosen_on_the_calendar(params, ids))
    slug = str(params.get("procedure", ""))[:100]
    if slug and Procedure.objects.filter(slug=slug, active=True).exists():
        initial["procedure"] = slug
    time = preferred_time_of(str(params.get("preferred_time", ""))[:20])
    if time is not None:
        initial["preferred_time"] = time
    return initial


def _chosen_on_the_calendar(params, location_ids) -> dict:
    """A first day (today or later), one of the user's locations and a clinician, when given and sound."""
    found = {}
    try:
        day = datetime.date.fromisoformat(str(params.get("first_day", ""))[:10])
    except ValueError:
        day = None
    if day is not None and timezone.localdate() <= day <= timezone.localdate() + datetime.timedelta(days=366):
        found["first_day"] = day
    for name, allowed in (("location", location_ids), ("clinician", None)):
        raw = str(params.get(name, ""))[:12]
        if raw.isdigit() and (allowed is None or int(raw) in allowed):
            found[name] = int(raw)
    return found


def wizard_query(booking_request: BookingRequest) -> dict:
    """The query parameters that carry a request's procedure and preferred time into the wizard."""
    query = {"request": booking_request.pk}
    if booking_request.procedure_id:
        query["procedure"] = booking_request.procedure.slug
    time = preferred_time_of(booking_request.preferred_time)
    if time is not None:
        query["preferred_time"] = time.strftime("%H:%M")
    return query

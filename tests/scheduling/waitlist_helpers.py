"""What the waiting-list tests share: eligible patients, a booked course whose session frees a time, entries."""

import datetime

from django.utils import timezone

from procedures.models import Contraindication, Procedure
from procedures.services import ice_test_record, screening_sign
from scheduling.services.waitlist import waitlist_entry_create

from ..factories import PatientFactory, days_ago
from .conftest import book_course, next_weekday


def cleared(clinician, cryo, location, *, ice_passed=True, **fields):
    """A patient screened and ice-tested (passed unless told) two days ago, who accepts email."""
    Procedure.objects.filter(pk=cryo.pk).update(screening_valid_days=60, ice_test_valid_days=60)
    cryo.refresh_from_db()
    patient = PatientFactory(home_location=location, consent_email=True, **fields)
    screening_sign(
        actor=clinician,
        patient=patient,
        procedures=[cryo],
        answers={c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo)},
        fitzpatrick=2,
        examined_at=days_ago(2),
    )
    ice_test_record(
        actor=clinician,
        patient=patient,
        area="nape",
        exposure_seconds=10,
        redness=not ice_passed,
        performed_at=days_ago(2),
    )
    return patient


def holder_course(registrar, clinician, cryo, location):
    """Someone else's course on Mondays ... at 10:00: cancelling its first session frees that time."""
    holder = cleared(clinician, cryo, location)
    return book_course(registrar, holder, cryo, location, first_day=next_weekday(0, location.tz, after_days=7))


def join(registrar, patient, cryo, location, **fields):
    today = timezone.localdate(timezone=location.tz)
    values = {"earliest_on": today, "latest_on": today + datetime.timedelta(days=30), **fields}
    return waitlist_entry_create(actor=registrar, patient=patient, procedure=cryo, location=location, **values)

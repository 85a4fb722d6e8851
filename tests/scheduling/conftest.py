import datetime

import pytest
from django.utils import timezone

from procedures.models import Contraindication, Procedure, ResourceKind
from procedures.services import ice_test_record, screening_sign
from scheduling.models import Certification, Resource

from ..factories import (
    CertificationFactory,
    OpeningHoursFactory,
    ResourceFactory,
    StaffHoursFactory,
    UserFactory,
    days_ago,
)


def next_weekday(weekday: int, tz, after_days: int = 3) -> datetime.date:
    """A date at least `after_days` ahead that falls on `weekday` (0 = Monday)."""
    day = timezone.localdate(timezone=tz) + datetime.timedelta(days=after_days)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


def at(day: datetime.date, hour: int, minute: int, tz) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


@pytest.fixture
def clinic(location, cryo):
    """Open Mon-Sat 09:00-20:00, two rooms, one nitrogen dewar, two certified trichologists."""
    for weekday in range(6):
        OpeningHoursFactory(location=location, weekday=weekday)
    ResourceFactory(location=location, name="Room 1")
    ResourceFactory(location=location, name="Room 2")
    ResourceFactory(location=location, name="Dewar A", kind_slug="nitrogen-dewar")
    doctors = []
    for name in ("doc_a", "doc_b"):
        doctor = UserFactory(username=name, role="clinician", locations=[location])
        for weekday in range(6):
            StaffHoursFactory(clinician=doctor, location=location, weekday=weekday)
        CertificationFactory(clinician=doctor, procedure=cryo)
        doctors.append(doctor)
    return doctors


@pytest.fixture
def eligible_patient(patient, clinician, cryo, all_absent):
    # A whole course spans about 24 days; the clinic's validity periods here cover it.
    Procedure.objects.filter(pk=cryo.pk).update(screening_valid_days=60, ice_test_valid_days=60)
    cryo.refresh_from_db()
    prp = Procedure.objects.get(slug="plasmolifting")
    screening_sign(
        actor=clinician,
        patient=patient,
        procedures=[cryo, prp],
        answers={c.id: (False, "") for c in Contraindication.objects.filter(procedures__in=[cryo, prp])},
        fitzpatrick=2,
        examined_at=days_ago(2),
    )
    ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10, performed_at=days_ago(2))
    return patient


def book_course(registrar, patient, procedure, location, *, count=10, first_day=None, hour=10, **kwargs):
    """Plan and book a course the way a registrar would: preview, then book what was proposed."""
    from scheduling.services import SessionSpec, course_book, course_preview

    plan = course_preview(
        patient=patient,
        procedure=procedure,
        location=location,
        count=count,
        first_day=first_day or next_weekday(0, location.tz),
        preferred_time=datetime.time(hour),
        **kwargs,
    )
    assert plan.bookable, plan.problems
    return course_book(
        actor=registrar,
        patient=patient,
        procedure=procedure,
        location=location,
        specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
        **kwargs,
    )


@pytest.fixture
def cryotherapy(clinic, eligible_patient, clinician, cryo, all_absent, location):
    """Post-procedure cryotherapy, to combine with cryomassage: a device, a certified clinician, screened."""
    therapy = Procedure.objects.get(slug="cryotherapy-post-procedure")
    Resource.objects.create(location=location, kind=ResourceKind.objects.get(slug="cryo-device"), name="Cryo 1")
    Certification.objects.create(
        clinician=clinic[1], procedure=therapy, valid_until=timezone.localdate() + datetime.timedelta(days=365)
    )
    # These tests are about combining; the link to the skin treatment it follows (a seeded setting)
    # has tests of its own (test_skin_treatment.py).
    Procedure.objects.filter(pk=therapy.pk).update(screening_valid_days=60, follows_skin_treatment=False)
    screening_sign(
        actor=clinician,
        patient=eligible_patient,
        procedures=[cryo, therapy],
        answers={c.id: (False, "") for c in Contraindication.objects.filter(procedures__in=[cryo, therapy])},
        fitzpatrick=5,
        examined_at=days_ago(1),
    )
    therapy.refresh_from_db()
    return therapy

import datetime

import pytest
from django.urls import reverse

from scheduling.services import SessionSpec, course_book, course_preview

from ..conftest import login
from ..factories import PatientFactory, UserFactory
from .conftest import next_weekday


@pytest.mark.django_db
def test_a_patient_sees_their_own_upcoming_sessions_and_nobody_elses(
    registrar, clinic, eligible_patient, cryo, location, patient_user
):
    plan = course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(10),
    )
    course_book(
        actor=registrar,
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
    )
    page = login(patient_user).get(reverse("portal:home")).content.decode()
    assert page.count("10:00") == 10
    stranger = UserFactory(role="patient")
    PatientFactory(home_location=location, user=stranger)
    other_page = login(stranger).get(reverse("portal:home")).content.decode()
    assert "10:00" not in other_page and "You have no sessions booked." in other_page

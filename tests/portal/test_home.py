import pytest
from django.urls import reverse

from patients.models import Patient

from ..conftest import login
from ..factories import PatientFactory, UserFactory
from ..scheduling.conftest import book_course


@pytest.mark.django_db
def test_a_patient_sees_their_own_upcoming_sessions_and_nobody_elses(
    registrar, clinic, eligible_patient, cryo, location, patient_user
):
    book_course(registrar, eligible_patient, cryo, location)
    Patient.objects.filter(pk=eligible_patient.pk).update(preferred_language="en")  # the page in English
    page = login(patient_user).get(reverse("portal:home")).content.decode()
    assert page.count("10:00") == 10
    stranger = UserFactory(role="patient")
    PatientFactory(home_location=location, user=stranger, preferred_language="en")
    other_page = login(stranger).get(reverse("portal:home")).content.decode()
    assert "10:00" not in other_page and "You have no sessions booked." in other_page

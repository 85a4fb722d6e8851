"""Who sees which patients: registrars and clinicians see the patients whose home location is one of
theirs, or who have a course at one of theirs; pages and API alike (README, "Who sees which patients")."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from patients.models import Patient
from procedures.models import Procedure
from procedures.services import ice_test_record, screening_sign
from scheduling.models import Course

from ..conftest import login
from ..factories import LocationFactory, PatientFactory, UserFactory
from .test_patients import form_data


@pytest.fixture
def elsewhere(db):
    return LocationFactory(name="Magadan branch", time_zone="Asia/Magadan")


@pytest.fixture
def stranger(elsewhere):
    return UserFactory(username="registrar_far", role="registrar", locations=[elsewhere])


@pytest.fixture
def far_clinician(elsewhere):
    return UserFactory(username="clinician_far", role="clinician", locations=[elsewhere])


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _course(patient, location, cryo, by):
    return Course.objects.create(
        patient=patient,
        procedure=cryo,
        location=location,
        session_count=10,
        price_per_session=950,
        discount_percent=10,
        total_price=8550,
        created_by=by,
    )


@pytest.mark.django_db
def test_the_patient_list_shows_only_the_patients_of_ones_locations(registrar, stranger, patient, client):
    url = f"{reverse('patients:list')}?q=Ivanova"
    assert patient.full_name in login(registrar).get(url).content.decode()
    assert patient.full_name not in login(stranger).get(url).content.decode()
    assert client.get(url).status_code == 302
    by_phone = login(stranger).get(f"{reverse('patients:list')}?q=%2B79161234567").content.decode()
    assert patient.full_name not in by_phone  # not even by the whole phone number


@pytest.mark.django_db
def test_the_patient_page_and_its_edit_page_are_404_at_another_branch(registrar, stranger, far_clinician, patient):
    for name in ("patient-detail", "patients:edit"):
        url = reverse(name, args=[patient.pk])
        assert login(registrar).get(url).status_code == 200
        assert login(stranger).get(url).status_code == 404
        assert login(far_clinician).get(url).status_code == 404
    edit = login(stranger).post(reverse("patients:edit", args=[patient.pk]), form_data(patient.home_location))
    assert edit.status_code == 404
    assert Patient.objects.get(pk=patient.pk).full_name == "Maria Petrovna Ivanova"


@pytest.mark.django_db
def test_the_patients_api_hides_another_branchs_patients(registrar, stranger, patient):
    assert [p["id"] for p in api(registrar).get("/api/v1/patients/?q=Ivanova").json()["results"]] == [patient.pk]
    assert api(stranger).get("/api/v1/patients/?q=Ivanova").json()["results"] == []
    for path in (
        f"/api/v1/patients/{patient.pk}/",
        f"/api/v1/patients/{patient.pk}/eligibility/?procedure=plasmolifting",
    ):
        assert api(registrar).get(path).status_code == 200, path
        refused = api(stranger).get(path)
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found", path
        assert api(None).get(path).status_code == 401
    changed = api(stranger).patch(f"/api/v1/patients/{patient.pk}/", {"notes": "mine now"}, format="json")
    assert changed.status_code == 404 and Patient.objects.get(pk=patient.pk).notes == ""


@pytest.mark.django_db
def test_a_course_at_ones_location_makes_the_patient_visible_there(stranger, registrar, patient, cryo, elsewhere):
    _course(patient, elsewhere, cryo, registrar)
    assert login(stranger).get(reverse("patient-detail", args=[patient.pk])).status_code == 200
    assert [p["id"] for p in api(stranger).get("/api/v1/patients/?q=Ivanova").json()["results"]] == [patient.pk]


@pytest.mark.django_db
def test_the_patient_page_links_only_courses_at_ones_own_locations(registrar, patient, cryo, location, elsewhere):
    prp = Procedure.objects.get(slug="plasmolifting")  # one active course of a procedure at a time
    here, there = _course(patient, location, cryo, registrar), _course(patient, elsewhere, prp, registrar)
    page = login(registrar).get(reverse("patient-detail", args=[patient.pk])).content.decode()
    assert here.get_absolute_url() in page
    assert there.get_absolute_url() not in page and "(Magadan branch)" in page


@pytest.mark.django_db
def test_screenings_and_ice_tests_of_another_branchs_patient_are_404(
    clinician, far_clinician, patient, cryo, all_absent
):
    screening = screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2)
    test = ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10)
    for url in (
        reverse("procedures:screening", args=[screening.pk]),
        reverse("procedures:ice-test", args=[test.pk]),
        reverse("procedures:screening-create", args=[patient.pk]),
        reverse("procedures:ice-test-create", args=[patient.pk]),
    ):
        assert login(clinician).get(url).status_code == 200, url
        assert login(far_clinician).get(url).status_code == 404, url
    body = {"area": "nape", "exposure_seconds": 10}
    refused = api(far_clinician).post(f"/api/v1/patients/{patient.pk}/ice-tests/", body, format="json")
    assert refused.status_code == 404


@pytest.mark.django_db
def test_registration_offers_only_ones_own_locations(as_registrar, registrar, elsewhere, location):
    page = as_registrar.get(reverse("patients:create")).content.decode()
    assert f'value="{elsewhere.pk}"' not in page
    refused = as_registrar.post(reverse("patients:create"), form_data(elsewhere))
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    body = {**form_data(elsewhere), "phone": "+79165554433", "consent_sms": True}
    answer = api(registrar).post("/api/v1/patients/", body, format="json")
    assert answer.status_code == 400 and "home_location" in answer.json()["error"]["fields"]
    assert not Patient.objects.filter(full_name="Olga Nikolaevna Sidorova").exists()


@pytest.mark.django_db
def test_the_duplicate_warning_names_only_patients_one_may_see(stranger, patient, elsewhere):
    body = form_data(elsewhere, full_name="Maria Ivanova", phone="+7 916 123-45-67")
    page = login(stranger).post(reverse("patients:create"), body).content.decode()
    assert "a patient of Main branch" in page
    assert "Maria Petrovna Ivanova" not in page and "1990" not in page


@pytest.mark.django_db
def test_staff_attached_to_no_location_see_no_patient(patient):
    loose = UserFactory(role="registrar")
    assert patient.full_name not in login(loose).get(f"{reverse('patients:list')}?q=Ivanova").content.decode()
    assert login(loose).get(reverse("patient-detail", args=[patient.pk])).status_code == 404


@pytest.mark.django_db
def test_invitations_and_calendar_addresses_only_for_ones_own_patients(stranger, patient):
    page = login(stranger)
    assert page.post(reverse("portal:invite", args=[patient.pk]), {"channel": "email"}).status_code == 404
    assert page.post(reverse("portal:staff-feed", args=[patient.pk]), {}).status_code == 404
    from portal.models import CalendarFeed

    assert not CalendarFeed.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_a_patient_registered_by_one_branch_is_not_seen_by_another(registrar, stranger, location):
    other = PatientFactory(home_location=location, full_name="Olga Branchova")
    assert other.full_name in login(registrar).get(f"{reverse('patients:list')}?q=Branchova").content.decode()
    assert other.full_name not in login(stranger).get(f"{reverse('patients:list')}?q=Branchova").content.decode()

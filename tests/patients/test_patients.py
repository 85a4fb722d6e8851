"""Registering, editing and finding patients."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from patients.models import Patient
from patients.search import national_digits
from patients.selectors import patient_list

from ..factories import PatientFactory
from ..helpers import page_queries


def form_data(location, **overrides):
    return {
        "full_name": "Olga Nikolaevna Sidorova",
        "date_of_birth": "1985-05-20",
        "sex": "female",
        "phone": "8 (916) 555-44-33",
        "email": "olga@example.com",
        "preferred_language": "ru",
        "consent_sms": "on",
        "home_location": location.pk,
        "notes": "",
        **overrides,
    }


@pytest.mark.parametrize("raw", ["+7 916 123-45-67", "8 (916) 123 45 67", "9161234567", "+79161234567"])
def test_every_way_of_writing_a_russian_phone_gives_the_same_digits(raw):
    assert national_digits(raw) == "9161234567"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["+7 916 123-45-67", "8 (916) 123 45 67", "9161234567", "123-45", "ivanova", "Petrovna Maria", "MARIA"]
)
def test_search_finds_the_patient_by_any_part_of_name_or_phone(query, patient, other_patient):
    assert [p.pk for p in patient_list(query=query)] == [patient.pk]


@pytest.mark.django_db
def test_registering_a_patient_stores_the_phone_as_e164_and_audits_it(as_registrar, registrar, location):
    response = as_registrar.post(reverse("patients:create"), form_data(location))
    patient = Patient.objects.get()
    assert response.status_code == 302 and response["Location"] == patient.get_absolute_url()
    assert (patient.phone.as_e164, patient.phone_digits) == ("+79165554433", "9165554433")
    assert patient.created_by == registrar
    assert AuditEvent.objects.filter(action="create", patient_id=patient.pk, actor=registrar).exists()


@pytest.mark.django_db
def test_a_likely_duplicate_is_warned_about_and_can_be_registered_knowingly(as_registrar, location):
    PatientFactory(
        full_name="Olga Nikolaevna Sidorova",
        date_of_birth=datetime.date(1985, 5, 20),
        phone="+79030000000",
        phone_digits="9030000000",
        home_location=location,
    )
    response = as_registrar.post(reverse("patients:create"), form_data(location, phone="+7 999 000 00 00"))
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert 'type="checkbox" name="confirm_duplicate"' in response.content.decode()
    assert Patient.objects.count() == 1
    response = as_registrar.post(
        reverse("patients:create"), form_data(location, phone="+7 999 000 00 00", confirm_duplicate="on")
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.django_db
def test_the_same_phone_is_a_likely_duplicate(as_registrar, location, patient):
    response = as_registrar.post(reverse("patients:create"), form_data(location, phone="+7 916 123-45-67"))
    assert "Maria Petrovna Ivanova" in response.content.decode()
    assert Patient.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "Enter a valid phone number"),
        ("date_of_birth", (timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "cannot be in the future"),
        ("full_name", "", "This field is required"),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(field, value, message, as_registrar, location):
    response = as_registrar.post(reverse("patients:create"), form_data(location, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_what_a_user_typed_is_escaped(as_registrar, location):
    as_registrar.post(reverse("patients:create"), form_data(location, full_name="<script>alert(1)</script> Bad"))
    patient = Patient.objects.get()
    page = as_registrar.get(patient.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.django_db
def test_editing_keeps_the_search_digits_in_step(as_registrar, patient, location):
    response = as_registrar.post(
        reverse("patients:edit", args=[patient.pk]),
        form_data(location, full_name=patient.full_name, phone="+7 926 111 22 33", date_of_birth="1988-03-14"),
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone_digits == "9261112233"
    assert [p.pk for p in patient_list(query="926 111 22 33")] == [patient.pk]


@pytest.mark.django_db
def test_the_patient_list_and_search_run_a_fixed_number_of_queries(as_registrar, location):
    PatientFactory.create_batch(3, home_location=location)
    few = (page_queries(as_registrar, "/patients/"), page_queries(as_registrar, "/patients/?q=Number"))
    PatientFactory.create_batch(30, home_location=location)
    many = (page_queries(as_registrar, "/patients/"), page_queries(as_registrar, "/patients/?q=Number"))
    assert few == many
    assert many[0] <= 6


@pytest.mark.django_db
def test_the_patient_page_runs_a_fixed_number_of_queries(as_clinician, clinician, patient, cryo, all_absent):
    from procedures.services import ice_test_record, screening_amend, screening_sign

    url = reverse("patient-detail", args=[patient.pk])
    screening = screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2)
    ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10)
    few = page_queries(as_clinician, url)
    for _ in range(3):
        screening = screening_amend(
            actor=clinician, previous=screening, reason="fix", procedures=[cryo], answers=all_absent, fitzpatrick=3
        )
        screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2)
        ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10, itching=True)
    assert page_queries(as_clinician, url) == few


@pytest.mark.django_db
def test_api_search_create_and_patch(registrar, location, patient):
    client = APIClient()
    client.force_authenticate(registrar)
    found = client.get("/api/v1/patients/", {"q": "8 (916) 123 45 67"}).json()
    assert [p["id"] for p in found["results"]] == [patient.pk]
    created = client.post(
        "/api/v1/patients/",
        {
            "full_name": "Ivan Orlov",
            "date_of_birth": "1979-01-02",
            "sex": "male",
            "phone": "+7 903 765 43 21",
            "home_location": location.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "+79037654321"
    patched = client.patch(f"/api/v1/patients/{created.json()['id']}/", {"email": "orlov@example.com"}, format="json")
    assert patched.status_code == 200 and patched.json()["email"] == "orlov@example.com"


@pytest.mark.django_db
def test_api_refuses_a_likely_duplicate_until_confirmed(registrar, patient, location):
    client = APIClient()
    client.force_authenticate(registrar)
    body = {
        "full_name": "Someone Else",
        "date_of_birth": "1979-01-02",
        "sex": "male",
        "phone": "+79161234567",
        "home_location": location.pk,
    }
    refused = client.post("/api/v1/patients/", body, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "possible_duplicate"
    assert client.post("/api/v1/patients/", {**body, "confirm_duplicate": True}, format="json").status_code == 201


@pytest.mark.django_db
def test_api_rejects_a_future_birth_date_with_a_code(registrar, location):
    client = APIClient()
    client.force_authenticate(registrar)
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client.post(
        "/api/v1/patients/",
        {
            "full_name": "A B",
            "date_of_birth": future,
            "sex": "male",
            "phone": "+79037654321",
            "home_location": location.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "date_of_birth_in_future"
    assert not Patient.objects.exists()

"""The clinical API: same permissions as the pages, coded errors, nothing half-saved."""

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from procedures.models import IceTest, Screening, ScreeningAnswer


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def screening_body(contraindications, **overrides):
    return {
        "procedures": ["cryomassage-contact"],
        "fitzpatrick": 3,
        "answers": [{"contraindication": c.slug, "present": False} for c in contraindications],
        "indications": ["dandruff"],
        "complaints": "hair loss",
        **overrides,
    }


@pytest.mark.django_db
def test_a_clinician_signs_a_screening_through_the_api(clinician, patient, cryo_contraindications):
    response = api(clinician).post(
        f"/api/v1/patients/{patient.pk}/screenings/", screening_body(cryo_contraindications), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["cleared"] is True and response.json()["version"] == 1
    assert ScreeningAnswer.objects.filter(screening_id=response.json()["id"]).count() == len(cryo_contraindications)
    assert AuditEvent.objects.filter(action="create", record_type="procedures.screening").count() == 1


@pytest.mark.django_db
def test_an_unanswered_item_is_a_400_with_a_code_and_saves_nothing(clinician, patient, cryo_contraindications):
    body = screening_body(cryo_contraindications[1:])
    response = api(clinician).post(f"/api/v1/patients/{patient.pk}/screenings/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unanswered"
    assert not Screening.objects.exists() and not ScreeningAnswer.objects.exists()


@pytest.mark.django_db
def test_an_unknown_procedure_is_a_400_with_a_code(clinician, patient, cryo_contraindications):
    body = screening_body(cryo_contraindications, procedures=["no-such-thing"])
    response = api(clinician).post(f"/api/v1/patients/{patient.pk}/screenings/", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_procedure"


@pytest.mark.django_db
def test_a_registrar_can_record_neither_a_screening_nor_an_ice_test(registrar, patient, cryo_contraindications):
    client = api(registrar)
    screening = client.post(
        f"/api/v1/patients/{patient.pk}/screenings/", screening_body(cryo_contraindications), format="json"
    )
    ice = client.post(
        f"/api/v1/patients/{patient.pk}/ice-tests/", {"area": "nape", "exposure_seconds": 10}, format="json"
    )
    assert (screening.status_code, ice.status_code) == (403, 403)
    assert ice.json()["error"]["code"] == "permission_denied"
    assert not Screening.objects.exists() and not IceTest.objects.exists()


@pytest.mark.django_db
def test_an_ice_test_through_the_api_passes_only_with_nothing_observed(clinician, patient):
    client = api(clinician)
    passed = client.post(
        f"/api/v1/patients/{patient.pk}/ice-tests/", {"area": "nape", "exposure_seconds": 10}, format="json"
    )
    failed = client.post(
        f"/api/v1/patients/{patient.pk}/ice-tests/",
        {"area": "nape", "exposure_seconds": 10, "itching": True},
        format="json",
    )
    assert (passed.json()["passed"], failed.json()["passed"]) == (True, False)
    bad = client.post(
        f"/api/v1/patients/{patient.pk}/ice-tests/", {"area": "nape", "exposure_seconds": 0}, format="json"
    )
    assert bad.status_code == 400 and "exposure_seconds" in bad.json()["error"]["fields"]


@pytest.mark.django_db
def test_api_for_an_unknown_patient_is_a_json_404(clinician):
    response = api(clinician).post(
        "/api/v1/patients/999999/ice-tests/", {"area": "nape", "exposure_seconds": 5}, format="json"
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_a_registrar_sees_outcomes_but_never_the_clinical_answers(
    as_registrar, clinician, patient, cryo, cryo_contraindications
):
    from django.urls import reverse

    from procedures.services import ice_test_record, screening_sign

    herpes = next(c for c in cryo_contraindications if c.slug == "active-herpes")
    answers = {c.id: (c.id == herpes.id, "") for c in cryo_contraindications}
    screening_sign(
        actor=clinician,
        patient=patient,
        procedures=[cryo],
        answers=answers,
        fitzpatrick=4,
        complaints="SECRET-COMPLAINT",
        scalp_notes="SECRET-NOTES",
    )
    ice_test_record(actor=clinician, patient=patient, area="SECRET-AREA", exposure_seconds=10, other_reaction="rash")
    page = as_registrar.get(reverse("patient-detail", args=[patient.pk])).content.decode()
    assert "not cleared" in page and "failed" in page
    assert "Contraindication present: Active herpes" in page  # the eligibility reason, which registrars need
    for secret in ("SECRET-COMPLAINT", "SECRET-NOTES", "SECRET-AREA", "rash"):
        assert secret not in page

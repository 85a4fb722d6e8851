"""A patient's data: a full export, and anonymisation that keeps the clinical records."""

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from portal.models import CalendarFeed
from procedures.models import IceTest, Screening
from procedures.services import ice_test_record, screening_sign
from scheduling.models import Session

from ..conftest import login
from ..scheduling.conftest import book_course, clinic, eligible_patient  # noqa: F401  (fixtures)


@pytest.fixture
def records(patient, clinician, cryo, all_absent):
    screening_sign(
        actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2, complaints="itchy scalp"
    )
    ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10)
    return patient


def test_only_administrators_reach_data_protection(records, registrar, clinician, patient_user, administrator):
    for user in (registrar, clinician, patient_user):
        client = login(user)
        assert client.get(reverse("records:export", args=[records.pk])).status_code == 403
        assert client.post(reverse("records:anonymise", args=[records.pk]), {"reason": "x"}).status_code == 403
    assert login(administrator).get(reverse("records:data-protection") + "?q=Ivanova").status_code == 200


def test_the_export_holds_identity_clinical_records_sessions_and_who_looked(records, administrator, as_registrar):
    as_registrar.get(reverse("patient-detail", args=[records.pk]))  # an access that the export must list
    response = login(administrator).get(reverse("records:export", args=[records.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["patient"]["full_name"] == "Maria Petrovna Ivanova" and data["patient"]["phone"] == "+79161234567"
    assert data["screenings"][0]["complaints"] == "itchy scalp" and data["screenings"][0]["answers"]
    assert data["ice_tests"][0]["passed"] is True
    assert any(e["actor_name"] == "registrar1" and e["action"] == "view" for e in data["access_log"])
    assert AuditEvent.objects.filter(patient_id=records.pk, actor=administrator, detail__export=True).exists()


def test_anonymising_erases_who_the_patient_is_and_keeps_the_records(records, administrator, patient_user):
    CalendarFeed.objects.create(patient=records, secret_hash="x" * 64)
    client = login(administrator)
    page = client.post(reverse("records:anonymise", args=[records.pk]), {"reason": "written request", "confirm": "on"})
    assert page.status_code == 302
    records.refresh_from_db()
    assert records.full_name == f"Anonymised patient {records.pk}" and records.email == "" and records.notes == ""
    assert records.phone_digits == "0000000000" and records.date_of_birth.month == records.date_of_birth.day == 1
    assert records.user is None and not CalendarFeed.objects.filter(patient=records).exists()
    patient_user.refresh_from_db()
    assert not patient_user.is_active and not patient_user.has_usable_password()
    assert (
        Screening.objects.filter(patient=records).count() == 1 and IceTest.objects.filter(patient=records).count() == 1
    )
    assert AuditEvent.objects.filter(
        patient_id=records.pk, detail__anonymised=True, detail__reason="written request"
    ).exists()
    again = client.post(reverse("records:anonymise", args=[records.pk]), {"reason": "again", "confirm": "on"})
    assert again.status_code == 400 and "already anonymised" in again.content.decode()


def test_anonymising_is_refused_while_sessions_are_to_come_and_changes_nothing(
    registrar,
    clinic,  # noqa: F811
    eligible_patient,  # noqa: F811
    cryo,
    location,
    administrator,
):
    book_course(registrar, eligible_patient, cryo, location)
    client = login(administrator)
    refused = client.post(
        reverse("records:anonymise", args=[eligible_patient.pk]), {"reason": "request", "confirm": "on"}
    )
    assert refused.status_code == 400 and "10 sessions to come" in refused.content.decode()
    eligible_patient.refresh_from_db()
    assert eligible_patient.full_name == "Maria Petrovna Ivanova"
    assert Session.objects.filter(patient=eligible_patient).count() == 10
    missing = client.post(reverse("records:anonymise", args=[eligible_patient.pk]), {"reason": "", "confirm": ""})
    assert missing.status_code == 400

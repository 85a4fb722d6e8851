"""The consent state of a course's forms in the API, and sending the signing link the way the course
page's button does: typed answers, JSON errors with a code."""

import json
import re

import pytest
from rest_framework.test import APIClient

from consents.models import ConsentTemplate, SigningLink
from consents.services import consent_withdraw
from patients.models import Patient
from procedures.models import Procedure

from ..consents.conftest import require_consent, sign_in_clinic
from ..factories import LocationFactory, UserFactory
from .conftest import book_course

pytestmark = pytest.mark.django_db


def api(user, language=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language) if language else APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def course(registrar, clinic, eligible_patient, cryo, location):
    require_consent(cryo, "session")
    return book_course(registrar, eligible_patient, cryo, location)


@pytest.fixture(autouse=True)
def _deliver_on_commit(django_capture_on_commit_callbacks):
    """Links are sent once the transaction commits, as after a request."""
    global _commit
    _commit = django_capture_on_commit_callbacks


def _send(user, course, body):
    with _commit(execute=True):
        return api(user).post(f"/api/v1/courses/{course.pk}/consent-link/", body, format="json")


@pytest.fixture
def sms(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def _sent(path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text().splitlines()] if path.exists() else []


def test_the_course_detail_says_the_consent_is_missing_and_when_it_is_needed(registrar, course, cryo):
    answer = api(registrar, "en").get(f"/api/v1/courses/{course.pk}/")
    assert answer.status_code == 200
    form = ConsentTemplate.objects.get(procedure=cryo)
    assert answer.json()["consents"] == [
        {
            "form": form.pk,
            "title": "Consent to scalp cryomassage (contact)",
            "state": "missing",
            "since": None,
            "required_before": "first_session",
            "consent": None,
        }
    ]


def test_a_signed_then_withdrawn_consent_reads_as_such(registrar, clinician, course, cryo):
    form = ConsentTemplate.objects.get(procedure=cryo)
    consent = sign_in_clinic(clinician, course.patient, form)
    client = api(registrar)
    (row,) = client.get(f"/api/v1/courses/{course.pk}/").json()["consents"]
    assert (row["state"], row["consent"]) == ("signed", consent.pk) and row["since"]
    consent_withdraw(actor=clinician, consent=consent)
    (row,) = client.get(f"/api/v1/courses/{course.pk}/").json()["consents"]
    assert row["state"] == "withdrawn"


def test_a_refusal_and_a_procedure_needing_consent_before_booking(registrar, clinician, course, cryo):
    Procedure.objects.filter(pk=cryo.pk).update(consent_required="booking")
    sign_in_clinic(clinician, course.patient, ConsentTemplate.objects.get(procedure=cryo), decision="refused")
    (row,) = api(registrar).get(f"/api/v1/courses/{course.pk}/").json()["consents"]
    assert (row["state"], row["required_before"]) == ("refused", "booking")


def test_the_course_detail_costs_the_same_queries_with_a_consent(
    registrar, clinician, course, cryo, django_assert_max_num_queries, django_assert_num_queries
):
    client = api(registrar)
    client.get(f"/api/v1/courses/{course.pk}/")  # warm the caches (policy, branding)
    with django_assert_max_num_queries(40) as before:
        client.get(f"/api/v1/courses/{course.pk}/")
    sign_in_clinic(clinician, course.patient, ConsentTemplate.objects.get(procedure=cryo))
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(f"/api/v1/courses/{course.pk}/")


def test_the_schema_types_the_consent_rows(registrar):
    schema = api(registrar).get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    detail = schema["paths"]["/api/v1/courses/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert detail["schema"] == {"$ref": "#/components/schemas/CourseDetail"}
    rows = components["CourseDetail"]["properties"]["consents"]
    assert rows["items"] == {"$ref": "#/components/schemas/CourseConsent"}
    row = components["CourseConsent"]["properties"]
    states = next(
        c for c in components.values() if c.get("enum") == ["signed", "missing", "refused", "withdrawn", "outdated"]
    )
    assert states and set(row) == {"form", "title", "state", "since", "required_before", "consent"}


# ---------------------------------------------------------------- sending the signing link


def test_the_registrar_sends_the_signing_link_by_sms(registrar, course, cryo, sms):
    answer = _send(registrar, course, {"channel": "sms"})
    assert answer.status_code == 202
    link = SigningLink.objects.get(patient=course.patient)
    assert answer.json()["form"] == link.template_id == ConsentTemplate.objects.get(procedure=cryo).pk
    assert answer.json()["channel"] == "sms" and link.created_by == registrar
    (text,) = _sent(sms)
    assert re.search(r"/consent/[^/ ]+/", text)


def test_a_bad_channel_is_a_field_error_with_a_code(registrar, course, sms):
    answer = _send(registrar, course, {"channel": "fax"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_choice" and "channel" in answer.json()["error"]["fields"]
    assert not SigningLink.objects.exists() and _sent(sms) == []


def test_email_without_an_address_is_refused_with_a_code(registrar, course, sms):
    Patient.objects.filter(pk=course.patient_id).update(email="")
    answer = _send(registrar, course, {"channel": "email"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "no_email"
    assert not SigningLink.objects.exists()


def test_a_consent_in_force_is_not_sent_again(registrar, clinician, course, cryo, sms):
    sign_in_clinic(clinician, course.patient, ConsentTemplate.objects.get(procedure=cryo))
    answer = _send(registrar, course, {"channel": "sms"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_signed"
    assert not SigningLink.objects.exists()


def test_a_procedure_without_a_form_has_no_link_to_send(registrar, course, cryo, sms):
    ConsentTemplate.objects.filter(procedure=cryo).delete()
    answer = _send(registrar, course, {"channel": "sms"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_form"


def test_staff_of_another_location_and_patients_cannot_send(course, patient_user, sms):
    stranger = UserFactory(username="far-desk", role="registrar", locations=[LocationFactory(name="Far")])
    far = _send(stranger, course, {"channel": "sms"})
    assert far.status_code == 404 and far.json()["error"]["code"] == "not_found"
    own = _send(patient_user, course, {"channel": "sms"})
    assert own.status_code == 403 and own.json()["error"]["code"] == "permission_denied"
    assert not SigningLink.objects.exists() and _sent(sms) == []

"""The scheduling API's refusals as an integrator's client reads them: typed, listed, in plain words."""

import datetime

import pytest
from rest_framework.test import APIClient

from scheduling.models import Course

from .conftest import next_weekday


def api(user, language=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language) if language else APIClient()
    client.force_authenticate(user)
    return client


def _booking(client, patient, location):
    preview = client.post(
        "/api/v1/courses/preview/",
        {
            "patient": patient.pk,
            "procedure": "cryomassage-contact",
            "location": location.pk,
            "count": 10,
            "first_day": next_weekday(0, location.tz).isoformat(),
            "preferred_time": "10:00",
        },
    ).json()
    return {
        "patient": patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "sessions": [{"start": s["start"], "clinician": s["clinician"]["id"]} for s in preview["sessions"]],
    }


@pytest.mark.django_db
def test_a_booking_conflict_lists_each_clashing_session_as_an_object(
    registrar, clinic, eligible_patient, cryo, location
):
    client = api(registrar)
    body = _booking(client, eligible_patient, location)
    assert client.post("/api/v1/courses/", body).status_code == 201
    again = client.post("/api/v1/courses/", body)
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "booking_conflict"
    clashes = error["conflicts"]
    assert [c["session_number"] for c in clashes] == list(range(1, 11))
    assert [datetime.datetime.fromisoformat(c["start"]) for c in clashes] == [
        datetime.datetime.fromisoformat(s["start"]) for s in body["sessions"]
    ]
    assert {c["clashes_with"] for c in clashes} == {"clinician"}
    assert all("has another session at that time" in c["detail"] for c in clashes)
    assert Course.objects.count() == 1


@pytest.mark.django_db
def test_an_empty_session_list_is_a_field_error_in_plain_words(registrar, clinic, eligible_patient, location):
    body = {"patient": eligible_patient.pk, "procedure": "cryomassage-contact", "location": location.pk}
    english = api(registrar).post("/api/v1/courses/", {**body, "sessions": []})
    assert english.status_code == 400
    assert english.json()["error"]["code"] == "min_length"
    assert english.json()["error"]["fields"] == {"sessions": ["Give at least one session."]}
    russian = api(registrar, "ru").post("/api/v1/courses/", {**body, "sessions": []})
    assert russian.json()["error"]["fields"] == {"sessions": ["Укажите хотя бы один сеанс."]}
    assert russian.json()["error"]["message"] == "Некоторые поля заполнены неверно."


@pytest.mark.django_db
def test_a_nested_field_error_is_named_by_its_path(registrar, clinic, eligible_patient, location, clinician):
    monday = next_weekday(0, location.tz)
    body = {
        "patient": eligible_patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "sessions": [
            {"start": f"{monday.isoformat()}T10:00:00+03:00", "clinician": clinician.pk},
            {"start": "soon", "clinician": "doc"},
        ],
    }
    fields = api(registrar).post("/api/v1/courses/", body).json()["error"]["fields"]
    assert set(fields) == {"sessions[1].start", "sessions[1].clinician"}
    assert all(isinstance(m, str) and "ErrorDetail" not in m for messages in fields.values() for m in messages)


@pytest.mark.django_db
def test_several_problems_are_listed_one_by_one(registrar, clinician, clinic, eligible_patient, cryo, location):
    from procedures.services import ice_test_record

    client = api(registrar)
    body = _booking(client, eligible_patient, location)
    ice_test_record(actor=clinician, patient=eligible_patient, area="nape", exposure_seconds=10, redness=True)
    error = client.post("/api/v1/courses/", body).json()["error"]
    assert error["code"] == "not_bookable"
    assert len(error["problems"]) == 10 and all("Ice test failed on" in p for p in error["problems"])
    assert error["message"] == " ".join(error["problems"])


ENGLISH_WORDS = ("Ensure", "Expected", "Invalid", "valid", "required", "must", "elements", "does not exist")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/courses/", {"patient": 999999, "procedure": "no-such", "location": "x", "sessions": "many"}),
        ("/api/v1/courses/", {"patient": [], "procedure": 5, "location": None, "sessions": [[]]}),
        ("/api/v1/courses/preview/", {"count": 0, "first_day": "tomorrow", "preferred_time": "noon"}),
        ("/api/v1/courses/preview/", {"count": 1000, "first_day": "2026-12-24T10:00:00", "clinician": "a"}),
        ("/api/v1/courses/", ["not", "an", "object"]),
    ],
)
def test_drf_messages_come_out_russian_in_a_russian_request(path, body, registrar, location):
    error = api(registrar, "ru").post(path, body, format="json").json()["error"]
    messages = [error["message"], *(m for ms in error.get("fields", {}).values() for m in ms)]
    for message in messages:
        assert not any(word in message for word in ENGLISH_WORDS), message
        assert any("а" <= ch.lower() <= "я" for ch in message), message

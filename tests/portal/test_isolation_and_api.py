"""A patient sees only their own data: every portal URL and /api/v1/me/ endpoint, as every kind of visitor."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from procedures.services import screening_sign
from scheduling.models import BookingRequest, SessionStatus

from ..conftest import login
from ..factories import PatientFactory, UserFactory

OWNER, STRANGER, REGISTRAR, ANONYMOUS = "owner", "stranger", "registrar", "anonymous"


@pytest.fixture
def visitors(patient_user, registrar, location):
    stranger = UserFactory(username="stranger", role="patient")
    PatientFactory(home_location=location, user=stranger, full_name="Olga Stranger")
    return {OWNER: patient_user, STRANGER: stranger, REGISTRAR: registrar, ANONYMOUS: None}


def _client(user, api=False):
    client = APIClient() if api else Client()
    if user is not None:
        client.force_login(user)
    return client


# (method, url builder, expected status for owner, stranger, registrar, anonymous)
PAGES = [
    ("get", lambda s: reverse("portal:home"), (200, 200, 403, 302)),
    ("post", lambda s: reverse("portal:session-confirm", args=[s.pk]), (302, 404, 403, 302)),
    ("get", lambda s: reverse("portal:session-cancel", args=[s.pk]), (200, 404, 403, 302)),
    ("post", lambda s: reverse("portal:session-cancel", args=[s.pk]), (302, 404, 403, 302)),
    ("get", lambda s: reverse("portal:session-move", args=[s.pk]), (200, 404, 403, 302)),
    ("post", lambda s: reverse("portal:session-move", args=[s.pk]), (302, 404, 403, 302)),
    ("get", lambda s: reverse("portal:course-ics", args=[s.course_id]), (200, 404, 403, 302)),
    ("get", lambda s: reverse("portal:calendar"), (200, 200, 403, 302)),
    ("post", lambda s: reverse("portal:invite", args=[s.patient_id]), (403, 403, 302, 302)),
    ("post", lambda s: reverse("portal:staff-feed", args=[s.patient_id]), (403, 403, 200, 302)),
]
API = [
    ("get", lambda s: reverse("api-me-sessions"), (200, 200, 403, 401)),
    ("get", lambda s: reverse("api-me-courses"), (200, 200, 403, 401)),
    ("post", lambda s: reverse("api-me-session-confirm", args=[s.pk]), (200, 404, 403, 401)),
    ("post", lambda s: reverse("api-me-session-cancel", args=[s.pk]), (200, 404, 403, 401)),
]


@pytest.mark.parametrize(("method", "url", "expected"), PAGES + API)
def test_each_visitor_gets_the_expected_answer(method, url, expected, visitors, sessions):
    session = sessions[-1]
    is_api = url(session).startswith("/api/")
    data = {"preferred_time": "mornings", "channel": "sms", "action": "create"}
    for (who, user), status in zip(visitors.items(), expected, strict=True):
        client = _client(user, api=is_api)
        # the owner goes last in effect: run the others first so a cancel by the owner cannot hide a leak
        if who == OWNER:
            continue
        response = getattr(client, method)(url(session), data)
        assert response.status_code == status, f"{who} {method} {url(session)}: {response.status_code}"
    response = getattr(_client(visitors[OWNER], api=is_api), method)(url(session), data)
    assert response.status_code == expected[0], f"owner {method} {url(session)}: {response.status_code}"


def test_nothing_a_stranger_tried_changed_anything(visitors, sessions):
    stranger = _client(visitors[STRANGER])
    api = _client(visitors[STRANGER], api=True)
    for session in sessions:
        stranger.post(reverse("portal:session-cancel", args=[session.pk]))
        stranger.post(reverse("portal:session-confirm", args=[session.pk]))
        stranger.post(reverse("portal:session-move", args=[session.pk]), {"preferred_time": "now"})
        api.post(reverse("api-me-session-cancel", args=[session.pk]))
    for session in sessions:
        session.refresh_from_db()
        assert session.status == SessionStatus.SCHEDULED and session.confirmed_at is None
    assert BookingRequest.objects.count() == 0


def test_guessed_ids_answer_404_never_200(visitors, sessions):
    stranger_api = _client(visitors[STRANGER], api=True)
    stranger = _client(visitors[STRANGER])
    # Around the owner's ids (ids grow over a whole run: from 1 it becomes thousands of requests and
    # meets the API's rate limit).
    for guess in range(max(1, sessions[0].pk - 20), sessions[-1].pk + 5):
        assert stranger_api.post(reverse("api-me-session-confirm", args=[guess])).status_code == 404
        assert stranger.get(reverse("portal:session-cancel", args=[guess])).status_code == 404
        assert stranger.get(reverse("portal:course-ics", args=[guess])).status_code == 404
    body = stranger_api.get(reverse("api-me-sessions")).json()
    assert body == []


def test_the_api_lists_own_sessions_and_course_progress(visitors, sessions, location):
    api = _client(visitors[OWNER], api=True)
    mine = api.get(reverse("api-me-sessions")).json()
    assert [s["id"] for s in mine] == [s.pk for s in sessions]
    first = mine[0]
    assert first["number"] == [1, 10] and first["status"] == "scheduled" and first["can_cancel"] is True
    assert first["location"]["address"] == location.address
    assert datetime.datetime.fromisoformat(first["start"]) == sessions[0].start  # ISO 8601 with its offset
    courses = api.get(reverse("api-me-courses")).json()
    assert len(courses) == 1 and courses[0]["completed"] == 0 and courses[0]["total"] == 10
    assert len(courses[0]["sessions"]) == 10


def test_the_api_confirms_and_cancels_with_coded_errors_and_no_change_on_refusal(visitors, sessions, settings):
    api = _client(visitors[OWNER], api=True)
    confirmed = api.post(reverse("api-me-session-confirm", args=[sessions[0].pk]))
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] is True
    cancelled = api.post(reverse("api-me-session-cancel", args=[sessions[1].pk]))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.post(reverse("api-me-session-confirm", args=[sessions[1].pk]))
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_scheduled"
    settings.CANCEL_NOTICE_HOURS = 24 * 60
    late = api.post(reverse("api-me-session-cancel", args=[sessions[2].pk]))
    assert late.status_code == 409 and late.json()["error"]["code"] == "too_late"
    assert sessions[2].location.phone in late.json()["error"]["message"]
    sessions[2].refresh_from_db()
    assert sessions[2].status == SessionStatus.SCHEDULED


def test_no_clinical_answer_of_a_screening_reaches_the_portal(visitors, sessions, patient, clinician, cryo, all_absent):
    screening_sign(
        actor=clinician,
        patient=patient,
        procedures=[cryo],
        answers=all_absent,
        complaints="SECRET-COMPLAINT",
        scalp_notes="SECRET-SCALP",
        fitzpatrick=2,
    )
    owner, api = _client(visitors[OWNER]), _client(visitors[OWNER], api=True)
    pages = [
        owner.get(reverse("portal:home")).content,
        owner.get(reverse("portal:course-ics", args=[sessions[0].course_id])).content,
        api.get(reverse("api-me-sessions")).content,
        api.get(reverse("api-me-courses")).content,
    ]
    for body in pages:
        assert b"SECRET" not in body


def test_the_me_endpoints_are_in_the_openapi_schema(as_registrar):
    schema = as_registrar.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/me/sessions/", "/api/v1/me/courses/", "/api/v1/me/sessions/{id}/confirm/"):
        assert path in schema
    assert "/calendar/" not in schema.replace("/api/v1/calendar/", "")


def test_a_patient_login_without_a_record_sees_a_note_and_nothing_else(location):
    orphan = UserFactory(username="orphan", role="patient")
    client = login(orphan)
    assert "not linked to a patient record" in client.get(reverse("portal:home")).content.decode()
    assert client.get(reverse("portal:calendar")).status_code == 404
    assert _client(orphan, api=True).get(reverse("api-me-sessions")).json() == []

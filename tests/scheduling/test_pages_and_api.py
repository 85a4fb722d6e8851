"""The registrar's and clinician's pages and the scheduling API."""

import datetime
import html
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from procedures.services import ice_test_record
from scheduling.models import BookingRequest, Closure, Course, Session, SessionStatus
from scheduling.services import SessionSpec, course_book, course_preview

from ..conftest import login
from ..factories import PatientFactory, UserFactory
from ..helpers import page_queries
from .conftest import book_course, next_weekday


@pytest.mark.django_db
def test_the_wizard_proposes_then_books_a_course(as_registrar, clinic, eligible_patient, cryo, location):
    url = reverse("scheduling:book", args=[eligible_patient.pk])
    first = next_weekday(0, location.tz)
    form = {
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "count": 10,
        "first_day": first.isoformat(),
        "preferred_time": "10:00",
    }
    page = as_registrar.post(url, {**form, "action": "preview"}).content.decode()
    assert "8 550,00 ₽" in page or "8,550.00 ₽" in page
    assert page.count('type="date" name="s-') == 10
    rows = {"s-TOTAL_FORMS": 10, "s-INITIAL_FORMS": 10, "s-MIN_NUM_FORMS": 1, "s-MAX_NUM_FORMS": 30}
    plan = course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=first,
        preferred_time=datetime.time(10),
    )
    for i, s in enumerate(plan.sessions):
        local = s.start.astimezone(location.tz)
        rows |= {
            f"s-{i}-day": local.date().isoformat(),
            f"s-{i}-time": local.strftime("%H:%M"),
            f"s-{i}-clinician": s.clinician_id,
        }
    rows["s-9-time"] = "11:30"  # the registrar changes the last session's time
    response = as_registrar.post(url, {**form, **rows, "action": "confirm"})
    course = Course.objects.get()
    assert response.status_code == 302 and response["Location"] == course.get_absolute_url()
    last = course.sessions.order_by("start").last()
    assert last.start.astimezone(location.tz).time() == datetime.time(11, 30)


@pytest.mark.django_db
def test_the_wizard_shows_why_a_failed_ice_test_blocks(as_registrar, clinician, clinic, eligible_patient, location):
    ice_test_record(actor=clinician, patient=eligible_patient, area="nape", exposure_seconds=10, itching=True)
    page = as_registrar.post(
        reverse("scheduling:book", args=[eligible_patient.pk]),
        {
            "procedure": "cryomassage-contact",
            "location": location.pk,
            "count": 10,
            "first_day": next_weekday(0, location.tz).isoformat(),
            "action": "preview",
        },
    ).content.decode()
    assert "Ice test failed on" in page
    assert "This plan cannot be booked" in page


@pytest.mark.django_db
def test_the_course_page_runs_a_fixed_number_of_queries(
    as_registrar, registrar, clinic, eligible_patient, cryo, location, other_patient
):
    small = book_course(registrar, eligible_patient, cryo, location, count=10)
    few = page_queries(as_registrar, small.get_absolute_url())
    _make_eligible(other_patient, cryo)  # one active course of a procedure per patient
    big = book_course(
        registrar, other_patient, cryo, location, count=12, first_day=next_weekday(0, location.tz, after_days=25)
    )
    assert page_queries(as_registrar, big.get_absolute_url()) == few
    page = as_registrar.get(big.get_absolute_url()).content.decode()
    assert "0 of 12 sessions done" in page


@pytest.mark.django_db
def test_the_calendar_runs_four_queries_whatever_the_sessions(
    as_registrar, registrar, clinic, eligible_patient, other_patient, cryo, location
):
    first = next_weekday(0, location.tz)
    url = f"{reverse('scheduling:calendar')}?location={location.pk}&date={first.isoformat()}"
    week = url + "&view=week&by=room"
    book_course(registrar, eligible_patient, cryo, location, first_day=first)
    few = (page_queries(as_registrar, url), page_queries(as_registrar, week))
    for minutes in (60, 120, 180):  # more patients the same days
        other = PatientFactory(home_location=location)
        _make_eligible(other, cryo)
        plan = course_preview(
            patient=other,
            procedure=cryo,
            location=location,
            count=10,
            first_day=first,
            preferred_time=(
                datetime.datetime.combine(first, datetime.time(10)) + datetime.timedelta(minutes=minutes)
            ).time(),
        )
        course_book(
            actor=registrar,
            patient=other,
            procedure=cryo,
            location=location,
            specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
        )
    assert Session.objects.count() == 40
    assert (page_queries(as_registrar, url), page_queries(as_registrar, week)) == few
    # The user, the sessions with the patients' clinical facts for the warnings, the grid's frame (with
    # the closures the warnings need) and the audit event.
    assert few == (4, 4)
    page = as_registrar.get(url).content.decode()
    assert eligible_patient.full_name in page and "10:00" in page


def _make_eligible(patient, cryo):
    from procedures.models import Contraindication
    from procedures.services import screening_sign

    doctor = UserFactory(role="clinician")
    answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo)}
    screening_sign(
        actor=doctor,
        patient=patient,
        procedures=[cryo],
        answers=answers,
        fitzpatrick=2,
        examined_at=timezone.now() - datetime.timedelta(days=2),
    )
    ice_test_record(
        actor=doctor,
        patient=patient,
        area="nape",
        exposure_seconds=10,
        performed_at=timezone.now() - datetime.timedelta(days=2),
    )


def expected_from(response) -> str:
    """The fingerprint of the proposal a page shows, as its confirm button posts it."""
    found = re.search(r'name="expected" value="([^"]*)"', response.content.decode())
    assert found, "the page offers no confirm"
    return html.unescape(found.group(1))


@pytest.mark.django_db
def test_a_registrar_moves_a_session_from_the_course_page(
    as_registrar, registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    third = course.sessions.order_by("start")[2]
    new_day = third.start.astimezone(location.tz).date() + datetime.timedelta(days=1)
    move = {"day": new_day.isoformat(), "time": "12:00", "shift_following": "on"}
    url = reverse("scheduling:session-move", args=[third.pk])
    proposal = as_registrar.post(url, move)
    assert proposal.status_code == 200 and "Confirm the new dates" in proposal.content.decode()
    assert "<td>moves</td>" in proposal.content.decode()  # the move page names no closure
    third.refresh_from_db()
    assert third.start.astimezone(location.tz).date() != new_day  # nothing written before the confirm
    response = as_registrar.post(url, {**move, "expected": expected_from(proposal)})
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.start.astimezone(location.tz) == datetime.datetime.combine(
        new_day, datetime.time(12), tzinfo=location.tz
    )


@pytest.mark.django_db
def test_cancel_replace_and_record_outcomes(
    as_registrar, registrar, clinician, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    second = course.sessions.order_by("start")[1]
    as_registrar.post(reverse("scheduling:session-cancel", args=[second.pk]), {"reason": "ill"})
    second.refresh_from_db()
    assert second.status == SessionStatus.CANCELLED and second.cancel_reason == "ill"
    as_registrar.post(reverse("scheduling:session-replace", args=[second.pk]))
    replacement = Session.objects.get(replaces=second)
    assert replacement.start > course.sessions.exclude(pk=replacement.pk).order_by("-start").first().start
    assert course.sessions.filter(status=SessionStatus.SCHEDULED).count() == 10
    first = course.sessions.order_by("start").first()
    doctor = login(clinic[0])
    response = doctor.post(
        reverse("scheduling:session-outcome", args=[first.pk]), {"outcome": "completed"}, follow=True
    )
    assert "its outcome can be recorded from then on" in response.content.decode()  # it is in the future
    Session.objects.filter(pk=first.pk).update(
        start=timezone.now() - datetime.timedelta(hours=1), end=timezone.now() - datetime.timedelta(minutes=40)
    )
    response = doctor.post(
        reverse("scheduling:session-outcome", args=[first.pk]), {"outcome": "completed"}, follow=True
    )
    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED
    when = first.start.astimezone(location.tz).strftime("%H:%M")  # the message names the row it changed
    assert f"{eligible_patient.full_name}, {when}: completed." in html.unescape(response.content.decode())


@pytest.mark.django_db
def test_the_worklist_flags_a_patient_who_became_ineligible(
    registrar, clinician, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    first = course.sessions.order_by("start").first()
    ice_test_record(actor=clinician, patient=eligible_patient, area="nape", exposure_seconds=10, redness=True)
    doctor = login(first.clinician)
    day = first.start.astimezone(location.tz).date().isoformat()
    page = doctor.get(f"{reverse('scheduling:worklist')}?date={day}").content.decode()
    assert "No longer eligible: ice test failed" in page


@pytest.mark.django_db
def test_a_closure_lists_the_sessions_it_hits_and_replans_them(
    as_registrar, registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    third = course.sessions.order_by("start")[2]
    day = third.start.astimezone(location.tz).date()
    closure = Closure.objects.create(location=location, starts_on=day, ends_on=day, reason="Burst pipe")
    url = reverse("scheduling:closure", args=[closure.pk])
    page = as_registrar.get(url)
    text = html.unescape(page.content.decode())
    assert eligible_patient.full_name in text
    assert "the clinic is closed: Burst pipe" in text  # the reason, beside the session the closure hits
    assert "<td>stays</td>" in text  # Saturday instead of Friday leaves the Monday after as it was
    as_registrar.post(url, {"expected": expected_from(page)})
    days = [s.start.astimezone(location.tz).date() for s in course.sessions.order_by("start")]
    assert day not in days and len(days) == 10


@pytest.mark.django_db
def test_the_public_request_form_needs_no_login_and_lands_in_the_inbox(client, as_registrar):
    cache.clear()
    response = client.post(
        reverse("public-request"),
        {"name": "<b>Anna</b>", "phone": "+7 916 000 11 22", "preferred_time": "evenings", "privacy_consent": "on"},
    )
    assert response.status_code == 200 and BookingRequest.objects.count() == 1
    inbox = as_registrar.get(reverse("scheduling:requests")).content.decode()
    assert "&lt;b&gt;Anna&lt;/b&gt;" in inbox and "<b>Anna</b>" not in inbox


@pytest.mark.django_db
def test_the_honeypot_and_the_rate_limit_stop_bots(client):
    cache.clear()
    client.post(reverse("public-request"), {"name": "Bot", "phone": "+79160001122", "website": "http://spam"})
    assert BookingRequest.objects.count() == 0
    for _ in range(5):
        client.post(reverse("public-request"), {"name": "Anna", "phone": "+79160001122", "privacy_consent": "on"})
    response = client.post(
        reverse("public-request"), {"name": "Anna", "phone": "+79160001122", "privacy_consent": "on"}
    )
    assert response.status_code == 429
    assert BookingRequest.objects.count() == 5


@pytest.mark.django_db
def test_the_public_form_refuses_overlong_input(client):
    cache.clear()
    response = client.post(reverse("public-request"), {"name": "A" * 500, "phone": "+79160001122"})
    assert response.status_code == 200 and "at most 120 characters" in response.content.decode()
    assert not BookingRequest.objects.exists()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_api_preview_book_get_move_cancel(registrar, clinic, eligible_patient, cryo, location):
    client = api(registrar)
    first = next_weekday(0, location.tz)
    preview = client.post(
        "/api/v1/courses/preview/",
        {
            "patient": eligible_patient.pk,
            "procedure": "cryomassage-contact",
            "location": location.pk,
            "count": 10,
            "first_day": first.isoformat(),
            "preferred_time": "10:00",
        },
        format="json",
    ).json()
    assert preview["bookable"] and len(preview["sessions"]) == 10 and preview["price"] == "8550.00"
    body = {
        "patient": eligible_patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "sessions": [{"start": s["start"], "clinician": s["clinician"]["id"]} for s in preview["sessions"]],
    }
    created = client.post("/api/v1/courses/", body, format="json")
    assert created.status_code == 201, created.content
    course = created.json()
    assert len(course["sessions"]) == 10
    session = course["sessions"][0]
    assert set(session) >= {"id", "start", "end", "clinician", "rooms", "status"}
    assert datetime.datetime.fromisoformat(session["start"]).tzinfo is not None
    again = client.post("/api/v1/courses/", body, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "booking_conflict"
    assert "has another session at that time" in again.json()["error"]["message"]
    assert client.get(f"/api/v1/courses/{course['id']}/").json()["id"] == course["id"]
    second = course["sessions"][1]
    moved_to = (datetime.datetime.fromisoformat(second["start"]) + datetime.timedelta(days=1)).isoformat()
    moved = client.post(
        f"/api/v1/sessions/{second['id']}/move/", {"start": moved_to, "shift_following": True}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["sessions"][1]["sequence"] == 1
    cancelled = client.post(f"/api/v1/sessions/{second['id']}/cancel/", {"reason": "ill"}, format="json")
    assert cancelled.json()["sessions"][1]["status"] == "cancelled"
    refused = client.post(f"/api/v1/sessions/{second['id']}/cancel/", {"reason": "again"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_scheduled"


@pytest.mark.django_db
def test_api_refuses_an_ineligible_booking_with_the_reasons(
    registrar, clinician, clinic, eligible_patient, cryo, location
):
    plan = course_preview(
        patient=eligible_patient, procedure=cryo, location=location, count=10, first_day=next_weekday(0, location.tz)
    )
    ice_test_record(actor=clinician, patient=eligible_patient, area="nape", exposure_seconds=10, redness=True)
    response = api(registrar).post(
        "/api/v1/courses/",
        {
            "patient": eligible_patient.pk,
            "procedure": "cryomassage-contact",
            "location": location.pk,
            "sessions": [{"start": s.start.isoformat(), "clinician": s.clinician_id} for s in plan.sessions],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_bookable"
    assert "Ice test failed on" in response.json()["error"]["message"]
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_api_calendar_and_permissions(registrar, clinician, patient_user, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    day = course.sessions.order_by("start").first().start.astimezone(location.tz).date()
    url = f"/api/v1/calendar/?location={location.pk}&date={day.isoformat()}&view=week"
    data = api(clinician).get(url).json()
    assert len(data["sessions"]) >= 3 and data["time_zone"] == "Europe/Moscow"
    assert api(patient_user).get(url).status_code == 403
    assert api(clinician).post("/api/v1/courses/preview/", {}, format="json").status_code == 403
    assert api(registrar).get("/api/v1/calendar/?location=999&date=2026-13-01").status_code == 400


@pytest.mark.django_db
def test_api_public_booking_request(client):
    cache.clear()
    response = APIClient().post(
        "/api/v1/booking-requests/",
        {"name": "Ivan", "phone": "+79161112233", "procedure": "plasmolifting"},
        format="json",
    )
    assert response.status_code == 202
    assert BookingRequest.objects.get().procedure.slug == "plasmolifting"
    bad = APIClient().post("/api/v1/booking-requests/", {"name": "", "phone": "1"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) >= {"name"}


@pytest.mark.django_db
def test_a_registrar_sees_only_the_calendars_of_their_own_locations(registrar, location):
    from accounts.models import Location

    elsewhere = Location.objects.create(name="Other branch", address="Far away 1", phone="+7 495 111-11-11")
    registrar.locations.add(location)
    refused = login(registrar).get(f"{reverse('scheduling:calendar')}?location={elsewhere.pk}")
    assert refused.status_code == 403 and "Other branch" not in refused.content.decode()
    page = login(registrar).get(reverse("scheduling:calendar")).content.decode()
    assert f"Calendar: {location.name}" in page
    assert "Other branch" not in page


@pytest.mark.django_db
def test_the_wizard_sums_up_why_a_course_cannot_be_booked_once_per_reason(
    as_registrar, clinic, clinician, eligible_patient, location
):
    ice_test_record(actor=clinician, patient=eligible_patient, area="nape", exposure_seconds=10, redness=True)
    form = {
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "count": 10,
        "first_day": next_weekday(0, location.tz).isoformat(),
        "preferred_time": "10:00",
        "action": "preview",
    }
    page = as_registrar.post(reverse("scheduling:book", args=[eligible_patient.pk]), form).content.decode()
    alert = page[page.index('role="alert"') :]
    alert = alert[: alert.index("</div>")]
    assert "The patient is not eligible" in alert
    assert alert.count("Ice test failed") == 1 and "Sessions 1, 2, 3" in alert  # not ten lines, one per date
    assert "This plan cannot be booked" in page

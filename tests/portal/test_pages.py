"""The portal's pages: schedule, progress, confirm, cancel and move within the policy, calendar files."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from audit.models import AuditEvent
from patients.models import Patient
from procedures.models import Procedure
from scheduling.models import BookingRequest, SessionStatus
from scheduling.services import session_move, session_record_outcome

from ..conftest import login
from ..helpers import page_queries
from .conftest import book_course


@pytest.fixture
def me(patient_user):
    return login(patient_user)


def test_home_shows_the_next_session_in_full_then_progress_then_the_rest_one_line_each(me, sessions, location):
    page = me.get(reverse("portal:home")).content.decode()
    assert page.count("session 1 of 10") == 1 and "10 of 10" in page
    assert page.count("session-card") == 10 and page.count("session-next") == 1
    assert page.index('id="next-session"') < page.index('id="progress"') < page.index('id="upcoming"')
    assert "0 of 10" in page
    assert page.count(location.address) == 1 and location.phone in page  # the address once, on the next session
    assert sessions[0].clinician.get_full_name() in page
    assert page.count("I will come") == 1  # the next session's button; the others are a line each


def test_home_shows_progress_past_sessions_and_aftercare_after_sessions(me, sessions, clinician, cryo, clinic):
    first = sessions[0]
    # Two sessions have happened: move them into the past the way the clock would.
    for session, outcome, days in zip(sessions[:2], ["completed", "no_show"], [5, 3], strict=True):
        shift = session.start - (timezone.now() - datetime.timedelta(days=days))
        type(session).objects.filter(pk=session.pk).update(start=session.start - shift, end=session.end - shift)
        session.refresh_from_db()
        session_record_outcome(actor=session.clinician, session=session, outcome=outcome)
    page = me.get(reverse("portal:home")).content.decode()
    assert "1 of 10" in page  # one completed
    assert "Past and cancelled sessions (2)" in page and page.count("session-no-show") == 1
    assert "<details>" in page and "Aftercare" in page and cryo.aftercare_en.splitlines()[0][:40] in page
    assert first.pk  # the course keeps its other 8 upcoming sessions
    assert page.count("session-card") == 8


def test_home_shows_a_cancelled_session_with_its_reason_among_the_folded_ones(me, sessions, registrar):
    from scheduling.services import session_cancel

    session_cancel(actor=registrar, session=sessions[3], reason="The clinician is ill")
    page = me.get(reverse("portal:home")).content.decode()
    folded = page[page.index('id="history"') :]
    assert folded.count("session-cancelled") == 1 and "Reason: The clinician is ill" in folded
    assert page.count("session-card") == 9  # no longer among the upcoming ones


def test_a_patient_with_nothing_booked_sees_the_clinic_address_once(patient_user, patient, location):
    Patient.objects.filter(pk=patient.pk).update(preferred_language="en")  # the page in English
    page = login(patient_user).get(reverse("portal:home")).content.decode()
    assert "You have no sessions booked." in page and page.count(location.address) == 1


def test_home_runs_a_fixed_number_of_queries_whatever_the_number_of_sessions(
    me, registrar, eligible_patient, cryo, location, clinic
):
    from ..scheduling.conftest import next_weekday

    Procedure.objects.filter(pk=cryo.pk).update(allow_concurrent_courses=True)  # two courses at once, here
    cryo.refresh_from_db()
    book_course(registrar, eligible_patient, cryo, location, count=10)
    ten = page_queries(me, reverse("portal:home"))
    book_course(registrar, eligible_patient, cryo, location, count=12, hour=14, first_day=next_weekday(1, location.tz))
    twenty_two = page_queries(me, reverse("portal:home"))
    # 4, whatever the sessions: the user, the patient (and whether she is on the waiting list), her
    # courses with their procedures, payments, refunds and years paid in, the sessions. The waiting
    # list's entries are read only when there are some (the next test).
    assert ten == twenty_two == 4


def test_home_reads_the_waiting_list_only_for_a_patient_on_it_and_shows_a_new_entry_at_once(
    me, patient, registrar, cryo, location
):
    from ..scheduling.waitlist_helpers import join

    without = page_queries(me, reverse("portal:home"))
    join(registrar, patient, cryo, location)
    home = me.get(reverse("portal:home")).content.decode()
    assert 'class="mb-2 waitlist-entry"' in home and "Leave the waiting list" in home
    assert page_queries(me, reverse("portal:home")) == without + 1  # the entries


def test_confirming_attendance(me, sessions):
    answer = me.post(reverse("portal:session-confirm", args=[sessions[0].pk]), follow=True)
    assert "your attendance is confirmed" in answer.content.decode()
    sessions[0].refresh_from_db()
    assert sessions[0].confirmed_at is not None
    assert "You confirmed" in answer.content.decode()


def test_a_cancelled_session_cannot_be_confirmed_and_nothing_changes(me, sessions, registrar):
    from scheduling.services import session_cancel

    session_cancel(actor=registrar, session=sessions[1], reason="patient ill")
    answer = me.post(reverse("portal:session-confirm", args=[sessions[1].pk]), follow=True)
    assert "is cancelled and cannot be confirmed" in answer.content.decode()
    sessions[1].refresh_from_db()
    assert sessions[1].confirmed_at is None


def test_cancelling_within_the_policy_asks_once_more_then_cancels(me, sessions):
    url = reverse("portal:session-cancel", args=[sessions[2].pk])
    question = me.get(url)
    assert question.status_code == 200 and "Yes, cancel it" in question.content.decode()
    sessions[2].refresh_from_db()
    assert sessions[2].status == SessionStatus.SCHEDULED
    assert me.post(url).status_code == 302
    sessions[2].refresh_from_db()
    assert sessions[2].status == SessionStatus.CANCELLED and sessions[2].sequence == 1


def test_outside_the_policy_the_page_gives_the_phone_and_nothing_changes(me, sessions, settings, location):
    settings.CANCEL_NOTICE_HOURS = 24 * 60  # every session is now inside the notice period
    url = reverse("portal:session-cancel", args=[sessions[0].pk])
    assert "too late to cancel online" in me.get(url).content.decode()
    refused = me.post(url)
    assert refused.status_code == 409 and location.phone in refused.content.decode()
    home = me.get(reverse("portal:home")).content.decode()
    assert "please call" in home and "Ask to move" not in home
    assert me.post(reverse("portal:session-move", args=[sessions[0].pk]), {"preferred_time": "x"}).status_code == 409
    sessions[0].refresh_from_db()
    assert sessions[0].status == SessionStatus.SCHEDULED and BookingRequest.objects.count() == 0


def test_asking_to_move_reaches_the_registrar_inbox_once(me, sessions, as_registrar):
    url = reverse("portal:session-move", args=[sessions[3].pk])
    assert me.post(url, {"preferred_time": ""}).status_code == 400
    assert me.post(url, {"preferred_time": "Thursday after 17:00", "message": "<b>work</b>"}).status_code == 302
    request = BookingRequest.objects.get()
    assert request.session_id == sessions[3].pk and request.patient_id == sessions[3].patient_id
    again = me.post(url, {"preferred_time": "Friday"})
    assert again.status_code == 409 and "already asked" in again.content.decode()
    assert BookingRequest.objects.count() == 1
    inbox = as_registrar.get(reverse("scheduling:requests")).content.decode()
    assert "Thursday after 17:00" in inbox and "&lt;b&gt;work&lt;/b&gt;" in inbox and "Move" in inbox
    assert "Move requested" in me.get(reverse("portal:home")).content.decode()
    sessions[3].refresh_from_db()
    assert sessions[3].status == SessionStatus.SCHEDULED  # the session stays until a registrar moves it


def _events(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_a_course_downloads_as_a_valid_ics_that_tracks_moves_and_cancellations(me, sessions, registrar, location):
    url = reverse("portal:course-ics", args=[sessions[0].course_id])
    first = me.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in first["Content-Disposition"] and first["Cache-Control"].startswith("no-store")
    calendar = Calendar.from_ical(first.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = _events(first.content)
    assert len(events) == 10 and len(set(events)) == 10
    uid = f"session-{sessions[4].pk}@127.0.0.1"
    event = events[uid]
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == sessions[4].start and event.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert event.decoded("DTEND") == sessions[4].end
    assert location.address in str(event["LOCATION"])
    assert "Сеанс 5 из 10" in str(event["DESCRIPTION"])  # in the patient's language (Russian here)
    assert event["DTSTAMP"]

    session_move(actor=registrar, session=sessions[4], new_start=sessions[4].start + datetime.timedelta(hours=2))
    me.post(reverse("portal:session-cancel", args=[sessions[6].pk]))
    events = _events(me.get(url).content)
    moved, cancelled = events[uid], events[f"session-{sessions[6].pk}@127.0.0.1"]
    assert moved["SEQUENCE"] == 1 and moved.decoded("DTSTART") == sessions[4].start + datetime.timedelta(hours=2)
    assert str(cancelled["STATUS"]) == "CANCELLED" and cancelled["SEQUENCE"] == 1


def test_the_feed_address_is_shown_once_works_and_can_be_revoked_and_recreated(me, sessions, as_registrar, client):
    page = me.post(reverse("portal:calendar"), {"action": "create"})
    # The secret is in the page, not its URL; the page has forms, so the usual same-origin policy.
    assert page["Referrer-Policy"] == "same-origin" and page["Cache-Control"].startswith("no-store")
    import re

    first_url = re.search(r'value="(http://[^"]+\.ics)"', page.content.decode()).group(1)
    path = first_url.split("testserver", 1)[1]
    assert "webcal://" in page.content.decode()
    shown_later = me.get(reverse("portal:calendar")).content.decode()
    assert path not in shown_later and "was made on" in shown_later

    feed = client.get(path)  # calendar apps have no session
    assert feed.status_code == 200 and len(_events(feed.content)) == 10
    assert feed["Cache-Control"].startswith("no-store")

    second = me.post(reverse("portal:calendar"), {"action": "create"}).content.decode()
    second_path = re.search(r'value="http://testserver([^"]+\.ics)"', second).group(1)
    assert client.get(path).status_code == 404 and client.get(second_path).status_code == 200

    patient = sessions[0].patient
    as_registrar.post(reverse("portal:staff-feed", args=[patient.pk]), {"action": "revoke"})
    assert client.get(second_path).status_code == 404
    assert client.get("/calendar/guessed-secret.ics").status_code == 404
    kinds = (
        AuditEvent.objects.filter(patient_id=patient.pk, detail__has_key="feed")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert [k["feed"] for k in kinds] == ["created", "created", "revoked"]


def test_a_registrar_sees_the_portal_state_on_the_patient_page(as_registrar, patient):
    page = as_registrar.get(reverse("patient-detail", args=[patient.pk])).content.decode()
    assert "The patient has a portal login." in page and "Send an invitation" in page


def test_portal_pages_are_phone_first_and_never_cached(me, sessions):
    response = me.get(reverse("portal:home"))
    assert "no-store" in response["Cache-Control"]
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in response.content.decode()

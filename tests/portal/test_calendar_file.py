"""The calendar feed as a calendar app reads it after the clinic changes the plan (parsed with icalendar)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Location
from portal.services import feed_create
from scheduling.models import Session, SessionStatus
from scheduling.services import course_cancel, session_cancel, session_move, session_record_outcome

HOUR = datetime.timedelta(hours=1)


def _feed(client, patient, registrar) -> Calendar:
    secret = feed_create(actor=registrar, patient=patient)
    response = client.get(reverse("calendar-feed", args=[secret]))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def _event(calendar: Calendar, session) -> dict:
    [event] = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"session-{session.pk}@")]
    return event


def _an_hour_older(session) -> None:
    """As if the session had been booked an hour ago (LAST-MODIFIED counts whole seconds)."""
    Session.objects.filter(pk=session.pk).update(updated_at=timezone.now() - HOUR)


@pytest.mark.django_db
def test_the_feed_after_a_move_and_a_cancel_raises_the_sequence_and_the_last_modified(
    client, sessions, registrar, location, settings
):
    moved, cancelled, kept = sessions[1], sessions[3], sessions[5]
    for session in (moved, cancelled, kept):
        _an_hour_older(session)
    before = _feed(client, moved.patient, registrar)
    session_move(actor=registrar, session=moved, new_start=moved.start + 2 * HOUR)
    session_cancel(actor=registrar, session=cancelled, reason="Нет азота")
    after = _feed(client, moved.patient, registrar)

    was, now = _event(before, moved), _event(after, moved)
    assert now["SEQUENCE"] == was["SEQUENCE"] + 1
    assert now.decoded("LAST-MODIFIED") > was.decoded("LAST-MODIFIED")
    assert now.decoded("DTSTART") == moved.start + 2 * HOUR and str(now["STATUS"]) == "CONFIRMED"

    was, now = _event(before, cancelled), _event(after, cancelled)
    assert str(now["STATUS"]) == "CANCELLED" and now["SEQUENCE"] == was["SEQUENCE"] + 1
    assert now.decoded("LAST-MODIFIED") > was.decoded("LAST-MODIFIED")

    assert _event(after, kept).decoded("LAST-MODIFIED") == _event(before, kept).decoded("LAST-MODIFIED")
    assert str(after["X-WR-TIMEZONE"]) == location.time_zone
    organizer = _event(after, kept)["ORGANIZER"]
    assert str(organizer) == f"mailto:{settings.CLINIC_EMAIL}" and organizer.params["CN"] == settings.CLINIC_NAME


@pytest.mark.django_db
def test_a_cancelled_course_stays_in_the_feed_as_cancelled(client, sessions, course, registrar):
    course_cancel(actor=registrar, course=course, reason="Переезд")
    events = Calendar.from_ical(
        client.get(reverse("calendar-feed", args=[feed_create(actor=registrar, patient=course.patient)])).content
    ).walk("VEVENT")
    assert len(events) == 10 and {str(e["STATUS"]) for e in events} == {"CANCELLED"}


@pytest.mark.django_db
def test_a_no_show_is_neither_confirmed_nor_cancelled_and_no_longer_holds_the_time(client, sessions, registrar):
    missed = sessions[0]
    shift = missed.start - (timezone.now() - 2 * HOUR)
    Session.objects.filter(pk=missed.pk).update(start=missed.start - shift, end=missed.end - shift)
    missed.refresh_from_db()
    _an_hour_older(missed)
    before = _event(_feed(client, missed.patient, registrar), missed)
    session_record_outcome(actor=missed.clinician, session=missed, outcome=SessionStatus.NO_SHOW)
    event = _event(_feed(client, missed.patient, registrar), missed)
    assert "STATUS" not in event
    assert str(event["SUMMARY"]).startswith("Неявка: ") and str(event["TRANSP"]) == "TRANSPARENT"
    assert event.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")


@pytest.mark.django_db
def test_sessions_in_two_time_zones_leave_the_calendar_zone_out(client, sessions, registrar):
    far = Location.objects.create(
        name="Yekaterinburg", address="Lenina 1", phone="+7 343 000-00-00", time_zone="Asia/Yekaterinburg"
    )
    Session.objects.filter(pk=sessions[9].pk).update(location=far)
    calendar = _feed(client, sessions[0].patient, registrar)
    assert "X-WR-TIMEZONE" not in calendar
    assert len(calendar.walk("VEVENT")) == 10

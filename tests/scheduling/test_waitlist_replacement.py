"""A freed session of a course offers its own replacement first: a patient who cancelled a session of her
course is offered a freed time that keeps her course's spacing before anyone waiting for a course."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from scheduling.models import (
    OfferStatus,
    Session,
    SessionStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
    WaitlistVia,
)
from scheduling.services import course_cancel, session_cancel, session_replace
from scheduling.services.waitlist import offer_token, waitlist_offer_accept

from .conftest import book_course, next_weekday
from .waitlist_helpers import cleared, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(clinic, registrar, clinician, cryo, location, django_capture_on_commit_callbacks, settings):
    """Anna's course from a Monday at 10:00; she cannot come to her third session, so it is cancelled.

    Carol joined the waiting list before that: she waits longer than Anna's replacement does.
    """
    settings.WAITLIST_OFFERS_PER_SLOT = 1
    settings.WAITLIST_OFFERS_PER_PATIENT_PER_DAY = 5  # the order, not the daily limit, decides here
    carol = cleared(clinician, cryo, location)
    join(registrar, carol, cryo, location, latest_on=next_weekday(0, location.tz, after_days=60))
    patient = cleared(clinician, cryo, location)
    course = book_course(registrar, patient, cryo, location, first_day=next_weekday(0, location.tz, after_days=7))
    third = course.sessions.order_by("start")[2]
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=registrar, session=third, reason="cannot come")
    third.refresh_from_db()
    return {"course": course, "third": third, "carol": carol}


def _free_at(registrar, clinician, cryo, location, day, hour, callbacks):
    """Someone else's course starting on `day` at `hour`; its first session is cancelled: that time is free."""
    boris = cleared(clinician, cryo, location)
    course = book_course(registrar, boris, cryo, location, first_day=day, hour=hour)
    first = course.sessions.order_by("start").first()
    assert first.start.astimezone(location.tz).date() == day
    with callbacks(execute=True):
        session_cancel(actor=registrar, session=first, reason="ill")
    return first


def _after_the_course(course, location) -> datetime.date:
    last = course.sessions.filter(status=SessionStatus.SCHEDULED).order_by("-start").first()
    day = last.start.astimezone(location.tz).date() + datetime.timedelta(days=2)
    return day + datetime.timedelta(days=1) if day.weekday() == 6 else day  # the clinic is shut on Sundays


def test_a_cancelled_session_of_a_course_waits_for_its_replacement(anna):
    entry = WaitlistEntry.objects.get(replaces=anna["third"])
    assert (entry.patient, entry.sessions, entry.via, entry.status) == (
        anna["course"].patient,
        1,
        WaitlistVia.COURSE,
        WaitlistStatus.WAITING,
    )
    # Her own cancelled time went to Carol, never back to her.
    assert not WaitlistOffer.objects.filter(entry=entry).exists()
    assert WaitlistOffer.objects.get(start=anna["third"].start).entry.patient == anna["carol"]


def test_a_freed_time_that_keeps_the_spacing_goes_to_the_replacement_before_the_longer_waiting(
    anna, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    course = anna["course"]
    freed = _free_at(
        registrar,
        clinician,
        cryo,
        location,
        _after_the_course(course, location),
        12,
        django_capture_on_commit_callbacks,
    )

    [offer] = WaitlistOffer.objects.filter(start=freed.start)
    assert offer.entry.replaces == anna["third"]

    answer = waitlist_offer_accept(token=offer_token(offer))

    assert answer.booked
    replacement = Session.objects.get(replaces=anna["third"])
    assert (replacement.course, replacement.start, replacement.clinician_id) == (
        course,
        freed.start,
        freed.clinician_id,
    )
    assert course.sessions.filter(status=SessionStatus.SCHEDULED).count() == 10  # the count is kept
    assert WaitlistEntry.objects.get(replaces=anna["third"]).status == WaitlistStatus.BOOKED
    assert not WaitlistOffer.objects.filter(start=freed.start, entry__patient=anna["carol"]).exists()


def test_a_freed_time_too_close_to_the_courses_sessions_goes_to_the_waiting_list(
    anna, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    first_day = anna["course"].sessions.order_by("start").first().start.astimezone(location.tz).date()
    freed = _free_at(registrar, clinician, cryo, location, first_day, 12, django_capture_on_commit_callbacks)

    [offer] = WaitlistOffer.objects.filter(start=freed.start)
    assert offer.entry.patient == anna["carol"]  # the same day as Anna's first session: no replacement there


def test_the_desks_replace_at_the_end_of_the_course_books_the_entry(anna, registrar):
    session_replace(actor=registrar, session=anna["third"])
    assert WaitlistEntry.objects.get(replaces=anna["third"]).status == WaitlistStatus.BOOKED


def test_when_the_desk_replaces_the_session_first_its_offer_answers_taken(
    anna, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    course = anna["course"]
    freed = _free_at(
        registrar,
        clinician,
        cryo,
        location,
        _after_the_course(course, location),
        12,
        django_capture_on_commit_callbacks,
    )
    offer = WaitlistOffer.objects.get(start=freed.start)
    session_replace(actor=registrar, session=anna["third"])  # the desk was quicker, at the end of the course
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CLOSED
    with pytest.raises(ValidationError) as error:
        waitlist_offer_accept(token=offer_token(offer))
    assert error.value.code == "taken"
    assert Session.objects.filter(replaces=anna["third"]).count() == 1


def test_a_cancelled_course_leaves_no_replacement_to_wait_for(
    clinic, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    course = book_course(registrar, cleared(clinician, cryo, location), cryo, location)
    with django_capture_on_commit_callbacks(execute=True):
        course_cancel(actor=registrar, course=course, reason="moved away")
    assert not WaitlistEntry.objects.exists()


def test_the_offer_page_says_which_session_it_replaces(
    anna, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    course = anna["course"]
    freed = _free_at(
        registrar,
        clinician,
        cryo,
        location,
        _after_the_course(course, location),
        12,
        django_capture_on_commit_callbacks,
    )
    offer = WaitlistOffer.objects.get(start=freed.start)
    client = Client()
    page = client.get(client.get(reverse("portal:offer", args=[offer_token(offer)]))["Location"])
    assert page.status_code == 200
    content = page.content.decode()  # in the patient's language: Russian
    assert "Вместо" in content and "вашего отменённого сеанса" in content and content.count("<li>") == 1
    assert client.post(reverse("portal:offer-page"), {"action": "accept"}).status_code == 200
    assert Session.objects.filter(replaces=anna["third"], start=freed.start).exists()


def test_the_desk_sees_the_replacement_on_the_waiting_list(anna, as_registrar):
    page = as_registrar.get(reverse("scheduling:waitlist"))
    assert page.status_code == 200
    assert "replaces the cancelled session" in page.content.decode()


def test_the_replacement_offer_letter_says_it_replaces_a_cancelled_session(
    anna, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    from django.core import mail

    from reminders import services as reminders

    course = anna["course"]
    type(course.patient).objects.filter(pk=course.patient_id).update(
        email="anna@example.org", consent_sms=False, preferred_language="en"
    )
    _free_at(
        registrar,
        clinician,
        cryo,
        location,
        _after_the_course(course, location),
        12,
        django_capture_on_commit_callbacks,
    )
    reminders.scan()
    for ids in reminders.enqueue():
        reminders.send_batch(ids)
    [email] = [m for m in mail.outbox if m.to == ["anna@example.org"] and "freed up" in m.subject]
    assert "can replace the session of your course you cancelled" in email.body
    assert "See the time and accept" in email.body

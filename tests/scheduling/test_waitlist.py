"""The waiting list: a freed time is offered to fitting, eligible waiting patients in order; the first
to accept books it through the normal booking service; an expired or taken offer books nothing."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from reminders import services as reminders
from reminders.models import Dispatch, DispatchStatus
from scheduling.models import Course, OfferStatus, WaitlistOffer, WaitlistStatus
from scheduling.services import course_cancel, session_cancel
from scheduling.services.waitlist import (
    offer_token,
    waitlist_entry_withdraw,
    waitlist_offer_accept,
)

from .waitlist_helpers import cleared, holder_course, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def freeing(clinic, registrar, clinician, cryo, location):
    """A booked course of someone else; `free()` cancels its first session and returns it."""
    course = holder_course(registrar, clinician, cryo, location)
    first = course.sessions.order_by("start").first()

    def free(callbacks):
        with callbacks(execute=True):
            session_cancel(actor=registrar, session=first, reason="ill")
        return first

    free.session = first
    return free


def _deliver_all():
    for ids in reminders.enqueue():
        reminders.send_batch(ids)


def test_a_cancelled_session_is_offered_to_fitting_eligible_entries_in_order_of_waiting(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks, settings
):
    settings.WAITLIST_OFFERS_PER_SLOT = 2
    first, second, third = (cleared(clinician, cryo, location) for _ in range(3))
    late = join(registrar, first, cryo, location)
    join(registrar, second, cryo, location)
    join(registrar, third, cryo, location)
    type(late).objects.filter(pk=late.pk).update(created_at=timezone.now() + datetime.timedelta(minutes=1))

    session = freeing(django_capture_on_commit_callbacks)

    offers = list(WaitlistOffer.objects.order_by("id"))
    # At most two at once for this time, in order of waiting: the first patient joined last.
    assert [o.entry.patient for o in offers] == [second, third]
    for offer in offers:
        assert (offer.start, offer.clinician_id, offer.freed_session_id) == (
            session.start,
            session.clinician_id,
            session.pk,
        )
        assert offer.expires_at <= timezone.now() + datetime.timedelta(hours=2)
        assert offer.token_hash and offer_token(offer) not in offer.token_hash


def test_an_entry_outside_its_window_or_days_or_with_a_failed_ice_test_is_never_offered(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    weekday = freeing.session.start.astimezone(location.tz).weekday()
    other_days = cleared(clinician, cryo, location)
    join(registrar, other_days, cryo, location, weekdays=[(weekday + 1) % 7])
    evenings = cleared(clinician, cryo, location)
    join(registrar, evenings, cryo, location, time_from=datetime.time(17), time_to=datetime.time(20))
    failed = cleared(clinician, cryo, location, ice_passed=False)
    join(registrar, failed, cryo, location)
    fits = cleared(clinician, cryo, location)
    join(registrar, fits, cryo, location, weekdays=[weekday], time_from=datetime.time(9), time_to=datetime.time(12))

    freeing(django_capture_on_commit_callbacks)

    assert [o.entry.patient for o in WaitlistOffer.objects.all()] == [fits]


def test_a_patient_gets_one_offer_a_day(
    clinic, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    course = holder_course(registrar, clinician, cryo, location)
    waiting = cleared(clinician, cryo, location)
    join(registrar, waiting, cryo, location)
    first, second = course.sessions.order_by("start")[:2]
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=registrar, session=first, reason="ill")
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=registrar, session=second, reason="ill")
    assert WaitlistOffer.objects.filter(entry__patient=waiting).count() == 1


def test_the_offer_goes_once_by_email_with_its_link_even_when_the_scan_runs_twice(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    waiting = cleared(clinician, cryo, location, email="waiting@example.com")
    join(registrar, waiting, cryo, location)
    freeing(django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    for _ in range(2):
        reminders.scan()
        _deliver_all()
    [dispatch] = Dispatch.objects.filter(offer=offer)
    assert (dispatch.kind, dispatch.channel, dispatch.status) == ("waitlist_offer", "email", DispatchStatus.SENT)
    [email] = [m for m in mail.outbox if m.to == ["waiting@example.com"]]
    assert reverse("portal:offer", args=[offer_token(offer)]) in email.body


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_sms_offer_fits_two_parts(
    language, freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    from core import sms
    from reminders.texts import compose_sms

    waiting = cleared(clinician, cryo, location, consent_sms=True, preferred_language=language)
    join(registrar, waiting, cryo, location)
    freeing(django_capture_on_commit_callbacks)
    reminders.scan()
    dispatch = Dispatch.objects.select_related("offer__entry__patient").get(offer__isnull=False)
    assert dispatch.channel == "sms"
    text = compose_sms(dispatch)
    assert offer_token(dispatch.offer) in text and sms.parts(text) <= 2


def test_accepting_books_the_course_through_the_booking_service_and_closes_the_other_offers(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    one, two = cleared(clinician, cryo, location), cleared(clinician, cryo, location)
    entry = join(registrar, one, cryo, location)
    join(registrar, two, cryo, location)
    session = freeing(django_capture_on_commit_callbacks)
    mine, theirs = WaitlistOffer.objects.order_by("id")

    answer = waitlist_offer_accept(token=offer_token(mine))

    assert answer.booked
    course = Course.objects.get(patient=one)
    assert course.created_by is None and course.session_count == cryo.min_sessions
    assert course.sessions.order_by("start").first().start == session.start
    entry.refresh_from_db()
    assert (entry.status, entry.course) == (WaitlistStatus.BOOKED, course)
    theirs.refresh_from_db()
    assert theirs.status == OfferStatus.CLOSED
    with pytest.raises(ValidationError) as error:  # single use, and the other's says taken
        waitlist_offer_accept(token=offer_token(theirs))
    assert error.value.code == "taken"
    assert AuditEvent.objects.filter(record_type="scheduling.waitlistoffer", record_id=mine.pk).exists()


def test_an_expired_offer_cannot_be_taken(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    waiting = cleared(clinician, cryo, location)
    entry = join(registrar, waiting, cryo, location)
    freeing(django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()

    with pytest.raises(ValidationError) as error:
        waitlist_offer_accept(token=offer_token(offer), now=offer.expires_at + datetime.timedelta(seconds=1))

    assert error.value.code == "expired"
    assert not Course.objects.filter(patient=waiting).exists()
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert (offer.status, entry.status) == (OfferStatus.EXPIRED, WaitlistStatus.WAITING)


def test_a_time_taken_meanwhile_answers_taken_and_the_patient_stays_waiting(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    from .conftest import book_course

    waiting = cleared(clinician, cryo, location)
    entry = join(registrar, waiting, cryo, location)
    session = freeing(django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    # The desk books the freed time for someone else first.
    other = cleared(clinician, cryo, location)
    local = session.start.astimezone(location.tz)
    book_course(registrar, other, cryo, location, first_day=local.date(), hour=local.hour)

    answer = waitlist_offer_accept(token=offer_token(offer))

    assert not answer.booked and "taken, sorry" in answer.message
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert (offer.status, entry.status) == (OfferStatus.TAKEN, WaitlistStatus.WAITING)
    assert not Course.objects.filter(patient=waiting).exists()


def test_a_patient_with_an_active_course_of_the_procedure_cannot_join(clinic, registrar, clinician, cryo, location):
    course = holder_course(registrar, clinician, cryo, location)
    with pytest.raises(ValidationError) as error:
        join(registrar, course.patient, cryo, location)
    assert "move its sessions" in error.value.messages[0]


def test_a_withdrawn_entry_gets_no_offer_and_its_open_offers_close(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    waiting = cleared(clinician, cryo, location)
    entry = join(registrar, waiting, cryo, location)
    freeing(django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    waitlist_entry_withdraw(actor=registrar, entry=entry)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CLOSED
    with pytest.raises(ValidationError):
        waitlist_offer_accept(token=offer_token(offer))


def test_a_cancelled_course_frees_its_times_too(
    clinic, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    course = holder_course(registrar, clinician, cryo, location)
    waiting = cleared(clinician, cryo, location)
    join(registrar, waiting, cryo, location)
    with django_capture_on_commit_callbacks(execute=True):
        course_cancel(actor=registrar, course=course, reason="moved away")
    [offer] = WaitlistOffer.objects.all()  # one a day for this patient
    assert offer.start == course.sessions.order_by("start").first().start


def test_the_offer_page_shows_the_course_and_accepts_without_a_password(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    waiting = cleared(clinician, cryo, location)
    join(registrar, waiting, cryo, location)
    freeing(django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    client = Client()
    landing = client.get(reverse("portal:offer", args=[offer_token(offer)]))
    assert landing.status_code == 302 and landing["Referrer-Policy"] == "no-referrer"
    page = client.get(landing["Location"])
    assert page.status_code == 200
    assert page.content.decode().count("<li>") >= cryo.min_sessions
    answer = client.post(reverse("portal:offer-page"), {"action": "accept"})
    assert answer.status_code == 200
    assert Course.objects.filter(patient=waiting).exists()
    assert client.get(reverse("portal:offer", args=["not-a-token"])).status_code == 404


def test_the_offer_message_is_the_waiting_patients_not_the_freed_sessions(
    freeing, registrar, clinician, cryo, location, django_capture_on_commit_callbacks, as_registrar
):
    from reminders.data_protection import messages_export

    waiting = cleared(clinician, cryo, location)
    join(registrar, waiting, cryo, location)
    session = freeing(django_capture_on_commit_callbacks)
    reminders.scan()
    assert Dispatch.objects.filter(offer__isnull=False, session=session).count() == 1
    holder = session.patient
    assert all(m["kind"] != "waitlist_offer" for m in messages_export(holder)["messages"])
    assert [m["kind"] for m in messages_export(waiting)["messages"]] == ["waitlist_offer"]
    page = as_registrar.get(reverse("scheduling:course", args=[session.course_id])).content.decode()
    assert "waiting list: a time offered" not in page


def test_a_moved_session_offers_the_time_it_left(
    clinic, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    from scheduling.services import session_move

    course = holder_course(registrar, clinician, cryo, location)
    waiting = cleared(clinician, cryo, location)
    join(registrar, waiting, cryo, location)
    first = course.sessions.order_by("start").first()
    old_start = first.start
    with django_capture_on_commit_callbacks(execute=True):
        session_move(actor=registrar, session=first, new_start=old_start + datetime.timedelta(hours=3))
    [offer] = WaitlistOffer.objects.all()
    assert (offer.entry.patient, offer.start) == (waiting, old_start)

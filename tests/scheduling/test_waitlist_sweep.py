"""The beat sweep passes the time of an expired offer to the next in line, also without a worker's eta
(inline mode): once per expiry, however often it runs."""

import datetime

import pytest
from django.utils import timezone

from scheduling.models import OfferStatus, WaitlistOffer
from scheduling.services import session_cancel
from scheduling.services.waitlist import waitlist_offers_pass_on
from scheduling.tasks import waitlist_sweep

from .conftest import book_course
from .waitlist_helpers import cleared, holder_course, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(clinic, registrar, clinician, cryo, location, django_capture_on_commit_callbacks, settings):
    """One offer a slot: the first waiting patient has it, the second waits behind; returns the offer."""
    settings.WAITLIST_OFFERS_PER_SLOT = 1
    course = holder_course(registrar, clinician, cryo, location)
    first, second = cleared(clinician, cryo, location), cleared(clinician, cryo, location)
    join(registrar, first, cryo, location)
    join(registrar, second, cryo, location)
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=registrar, session=course.sessions.order_by("start").first(), reason="ill")
    offer = WaitlistOffer.objects.get()
    assert offer.entry.patient == first
    offer.second = second
    return offer


def test_an_expired_offer_passes_its_time_to_the_next_in_line_without_a_worker(offered):
    later = offered.expires_at + datetime.timedelta(minutes=1)

    assert waitlist_offers_pass_on(now=later) == 1

    offered.refresh_from_db()
    assert offered.status == OfferStatus.EXPIRED and offered.passed_on_at == later
    [new] = WaitlistOffer.objects.exclude(pk=offered.pk)
    assert (new.entry.patient, new.start, new.status) == (offered.second, offered.start, OfferStatus.OFFERED)


def test_running_the_sweep_twice_passes_a_time_on_once(offered, django_assert_max_num_queries):
    later = offered.expires_at + datetime.timedelta(minutes=1)
    assert waitlist_offers_pass_on(now=later) == 1

    with django_assert_max_num_queries(3):  # expire, look for due offers: nothing to claim
        assert waitlist_offers_pass_on(now=later + datetime.timedelta(minutes=5)) == 0

    assert WaitlistOffer.objects.count() == 2


def test_an_offer_still_open_is_not_passed_on(offered):
    assert waitlist_offers_pass_on(now=offered.expires_at - datetime.timedelta(minutes=1)) == 0
    assert WaitlistOffer.objects.get().status == OfferStatus.OFFERED


def test_a_time_booked_meanwhile_is_claimed_but_offered_to_nobody(offered, registrar, clinician, cryo, location):
    other = cleared(clinician, cryo, location)
    local = offered.start.astimezone(location.tz)
    book_course(registrar, other, cryo, location, first_day=local.date(), hour=local.hour)
    later = offered.expires_at + datetime.timedelta(minutes=1)

    assert waitlist_offers_pass_on(now=later) == 0

    assert WaitlistOffer.objects.count() == 1
    offered.refresh_from_db()
    assert offered.passed_on_at == later  # claimed: the next sweep does not look at it again


def test_an_offer_its_own_slot_passed_on_already_is_not_claimed_again(offered):
    """The eta task (celery) looked at the time at expiry: the sweep has nothing left to do there."""
    later = offered.expires_at + datetime.timedelta(minutes=1)
    WaitlistOffer.objects.filter(pk=offered.pk).update(status=OfferStatus.EXPIRED, passed_on_at=later)
    assert waitlist_offers_pass_on(now=later) == 0
    assert WaitlistOffer.objects.count() == 1


def test_the_sweep_is_a_beat_task_every_five_minutes(offered):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="scheduling.waitlist_sweep")
    assert (task.interval.every, task.interval.period, task.enabled) == (5, "minutes", True)
    WaitlistOffer.objects.filter(pk=offered.pk).update(expires_at=timezone.now())
    assert waitlist_sweep.apply().get() == 1


def test_ineligible_entries_ahead_cost_no_queries_of_their_own(
    clinic, registrar, clinician, cryo, location, django_capture_on_commit_callbacks
):
    """Matching a time reads the fitting entries in chunks: 40 patients never screened ahead of the one
    who is eligible cost no more queries than 4 do, but for one more chunk's reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling.services.waitlist import waitlist_offer_slot

    from ..factories import PatientFactory

    course = holder_course(registrar, clinician, cryo, location)
    freed = course.sessions.order_by("start").first()
    with django_capture_on_commit_callbacks(execute=False):
        session_cancel(actor=registrar, session=freed, reason="ill")
    slot = {
        "session_id": freed.pk,
        "location_id": location.pk,
        "procedure_id": cryo.pk,
        "clinician_id": freed.clinician_id,
        "start": freed.start,
        "end": freed.end,
    }

    def queries_with(ahead: int) -> int:
        for _ in range(ahead):
            join(registrar, PatientFactory(home_location=location), cryo, location)
        waiting = cleared(clinician, cryo, location)
        join(registrar, waiting, cryo, location)
        with CaptureQueriesContext(connection) as ctx:
            [offer] = waitlist_offer_slot(**slot)
        assert offer.entry.patient == waiting
        WaitlistOffer.objects.all().delete()
        type(offer.entry).objects.all().update(status="withdrawn")
        return len(ctx.captured_queries)

    few, many = queries_with(4), queries_with(40)
    assert many - few <= 3 * 2  # one more chunk (entries, facts) for each 25 entries, nothing per entry

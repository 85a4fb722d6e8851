"""Two waiting patients accept offers of the same freed time at the same moment: exactly one gets it."""

import threading
import traceback

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from scheduling.models import Course, OfferStatus, WaitlistEntry, WaitlistOffer, WaitlistStatus
from scheduling.services import session_cancel
from scheduling.services.waitlist import offer_token, waitlist_offer_accept

from .waitlist_helpers import cleared, holder_course, join


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_patients_accepting_the_same_time_at_once_book_exactly_one_course(
    clinic, registrar, clinician, cryo, location
):
    course = holder_course(registrar, clinician, cryo, location)
    one, two = cleared(clinician, cryo, location), cleared(clinician, cryo, location)
    join(registrar, one, cryo, location)
    join(registrar, two, cryo, location)
    first = course.sessions.order_by("start").first()
    session_cancel(actor=registrar, session=first, reason="ill")  # committed: the offers are made on commit
    offers = list(WaitlistOffer.objects.order_by("id"))
    assert len(offers) == 2
    tokens = [offer_token(offer) for offer in offers]
    barrier = threading.Barrier(2)
    answers = []

    def accept(token):
        try:
            barrier.wait(timeout=30)
            answer = waitlist_offer_accept(token=token)
            answers.append("booked" if answer.booked else answer.message)
        except ValidationError as error:  # the winner had closed this offer before it was claimed
            answers.append(error.messages[0])
        except Exception:
            answers.append(traceback.format_exc())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert answers.count("booked") == 1, answers
    [lost] = [a for a in answers if a != "booked"]
    assert "taken, sorry" in lost, lost
    assert Course.objects.filter(patient__in=[one, two]).count() == 1
    winner = Course.objects.get(patient__in=[one, two]).patient
    assert WaitlistEntry.objects.get(patient=winner).status == WaitlistStatus.BOOKED
    loser = two if winner == one else one
    assert WaitlistEntry.objects.get(patient=loser).status == WaitlistStatus.WAITING
    assert WaitlistOffer.objects.get(entry__patient=loser).status in (OfferStatus.TAKEN, OfferStatus.CLOSED)

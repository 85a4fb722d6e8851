"""Twenty registrars book overlapping courses at the same moment: exactly one wins."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from patients.models import Patient
from procedures.models import Contraindication
from procedures.services import screening_sign
from scheduling.models import Course, Session
from scheduling.services import BookingConflict, SessionSpec, course_book, course_preview

from ..factories import PatientFactory, UserFactory, days_ago
from .conftest import next_weekday

THREADS = 20


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_bookings_of_the_same_times_book_exactly_one(clinic, cryo, location, clinician):
    cryo.requires_ice_test = False
    cryo.screening_valid_days = 60
    cryo.save()
    answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo)}
    patients = PatientFactory.create_batch(THREADS, home_location=location)
    for patient in patients:
        screening_sign(
            actor=clinician, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2, examined_at=days_ago(1)
        )
    registrar = UserFactory(role="registrar")
    plan = course_preview(
        patient=patients[0], procedure=cryo, location=location, count=10, first_day=next_weekday(0, location.tz)
    )
    specs = [(s.start, s.clinician_id) for s in plan.sessions]
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def book(patient_id):
        try:
            patient = Patient.objects.select_related("home_location").get(pk=patient_id)
            barrier.wait(timeout=30)
            course_book(
                actor=registrar,
                patient=patient,
                procedure=cryo,
                location=location,
                specs=[SessionSpec(start, clinician_id) for start, clinician_id in specs],
            )
            outcomes.append("booked")
        except BookingConflict as conflict:  # the database refused it
            outcomes.append(f"refused: {conflict}")
        except ValidationError as error:  # the checks refused it: the winner had already committed
            outcomes.append(f"refused: {error.messages[0]}")
        except Exception as error:
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(p.pk,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("booked") == 1, outcomes
    assert sum(o.startswith("refused") for o in outcomes) == THREADS - 1, [o for o in outcomes if "refused" not in o]
    assert Course.objects.count() == 1
    assert Session.objects.count() == 10
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM scheduling_session a JOIN scheduling_session b
              ON a.id < b.id AND a.clinician_id = b.clinician_id
             AND tstzrange(a.start, a."end") && tstzrange(b.start, b."end")""")
        assert cursor.fetchone()[0] == 0


def _eligible(patients, clinician, cryo):
    cryo.requires_ice_test = False
    cryo.screening_valid_days = 60
    cryo.save()
    answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo)}
    for patient in patients:
        screening_sign(
            actor=clinician, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2, examined_at=days_ago(1)
        )


def _hold_a_booking_open_while(other, *, registrar, patient, cryo, location, specs):
    """Book `specs` in a transaction that stays open until `other()` returns (or 5 s pass); then
    commit. Returns whether `other` finished while the first booking was still uncommitted."""
    booked, done = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                course_book(actor=registrar, patient=patient, procedure=cryo, location=location, specs=specs)
                booked.set()
                outcome["overlapped"] = done.wait(timeout=5)
        except Exception as error:
            outcome["first"] = repr(error)
            booked.set()
        finally:
            connections.close_all()

    def second():
        booked.wait(timeout=30)
        try:
            outcome["second"] = other()
        except Exception as error:
            outcome["second"] = f"refused: {error}"
        finally:
            done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcome


def _plan(patient, cryo, location, clinician, hour):
    plan = course_preview(
        patient=patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(hour),
        clinician_id=clinician.pk,
    )
    assert plan.bookable, plan.problems
    return [SessionSpec(s.start, s.clinician_id) for s in plan.sessions]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bookings_of_two_clinicians_at_one_location_go_ahead_side_by_side(clinic, cryo, location, clinician):
    doc_a, doc_b = clinic
    first_patient, second_patient = PatientFactory.create_batch(2, home_location=location)
    _eligible([first_patient, second_patient], clinician, cryo)
    registrar = UserFactory(role="registrar")
    specs_a = _plan(first_patient, cryo, location, doc_a, 10)
    specs_b = _plan(second_patient, cryo, location, doc_b, 15)

    outcome = _hold_a_booking_open_while(
        lambda: (
            course_book(actor=registrar, patient=second_patient, procedure=cryo, location=location, specs=specs_b)
            and "booked"
        ),
        registrar=registrar,
        patient=first_patient,
        cryo=cryo,
        location=location,
        specs=specs_a,
    )
    # The second booking committed while the first was still open: nothing of it waited.
    assert outcome == {"overlapped": True, "second": "booked"}, outcome
    assert Course.objects.count() == 2
    assert Session.objects.filter(clinician=doc_a).count() == Session.objects.filter(clinician=doc_b).count() == 10


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_booking_of_the_same_clinician_at_those_times_waits_and_is_refused(clinic, cryo, location, clinician):
    doc_a, _doc_b = clinic
    first_patient, second_patient = PatientFactory.create_batch(2, home_location=location)
    _eligible([first_patient, second_patient], clinician, cryo)
    registrar = UserFactory(role="registrar")
    specs = _plan(first_patient, cryo, location, doc_a, 10)

    outcome = _hold_a_booking_open_while(
        lambda: (
            course_book(actor=registrar, patient=second_patient, procedure=cryo, location=location, specs=specs)
            and "booked"
        ),
        registrar=registrar,
        patient=first_patient,
        cryo=cryo,
        location=location,
        specs=specs,
    )
    # It waited for the first to commit (the wait ran out), then read its sessions and refused.
    assert outcome["overlapped"] is False and outcome["second"].startswith("refused"), outcome
    assert Course.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM scheduling_session a JOIN scheduling_session b
              ON a.id < b.id AND a.clinician_id = b.clinician_id
             AND tstzrange(a.start, a."end") && tstzrange(b.start, b."end")""")
        assert cursor.fetchone()[0] == 0

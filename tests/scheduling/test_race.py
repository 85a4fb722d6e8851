"""Twenty registrars book overlapping courses at the same moment: exactly one wins."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

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

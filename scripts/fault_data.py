"""Data for scripts/fault_test.py, written through the app's own services into its scratch database.

    python scripts/fault_data.py patients N    # N patients cleared for cryomassage, no course yet
    python scripts/fault_data.py reminders N   # N sessions in 3-20 hours, booked two days ago:
                                               # each one's 24-hour reminder email is due now

Prints a JSON list of the patient ids (patients) or the session ids (reminders).
"""

from __future__ import annotations

import datetime
import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup():
    import django

    django.setup()


def _cleared_patients(count: int, *, email: bool) -> list:
    from django.utils import timezone

    from accounts.models import Location, User
    from patients.models import Patient
    from procedures.models import Contraindication, Procedure
    from procedures.services import ice_test_record, screening_sign

    cryo = Procedure.objects.get(slug="cryomassage-contact")
    doctor = User.objects.get(username="doctor")
    location = Location.objects.order_by("pk").first()
    answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo, active=True)}
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    run = uuid.uuid4().hex[:6]
    patients = []
    for n in range(count):
        digits = f"9{uuid.uuid4().int % 10**9:09d}"
        patient = Patient.objects.create(
            full_name=f"Fault Test {run} {n}",
            date_of_birth=datetime.date(1990, 1, 1),
            sex="female",
            phone=f"+7{digits}",
            phone_digits=digits,
            email=f"fault-{run}-{n}@example.com" if email else "",
            consent_email=email,
            consent_sms=False,
            home_location=location,
        )
        screening_sign(
            actor=doctor, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2, examined_at=two_days_ago
        )
        ice_test_record(actor=doctor, patient=patient, area="nape", exposure_seconds=10, performed_at=two_days_ago)
        patients.append(patient)
    return patients


def patients(count: int) -> list[int]:
    return [patient.pk for patient in _cleared_patients(count, email=False)]


def reminders(count: int) -> list[int]:
    """One session each, 20 minutes apart per clinician, from 3 hours ahead; booked two days ago."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from procedures.models import Procedure
    from scheduling.models import Course, Session

    cryo = Procedure.objects.get(slug="cryomassage-contact")
    doctors = list(User.objects.filter(username__in=["doctor", "doctor2"]).order_by("username"))
    registrar = User.objects.get(username="registrar")
    base = timezone.now() + datetime.timedelta(hours=3)
    ids = []
    with transaction.atomic():
        for n, patient in enumerate(_cleared_patients(count, email=True)):
            course = Course.objects.create(
                patient=patient,
                procedure=cryo,
                location=patient.home_location,
                session_count=1,
                price_per_session=cryo.price_per_session,
                discount_percent=0,
                total_price=cryo.price_per_session,
                created_by=registrar,
            )
            start = base + datetime.timedelta(minutes=20 * (n // len(doctors)))
            session = Session.objects.create(
                course=course,
                patient=patient,
                location=patient.home_location,
                clinician=doctors[n % len(doctors)],
                start=start,
                end=start + datetime.timedelta(minutes=20),
                rescheduled_at=timezone.now() - datetime.timedelta(days=2),
            )
            ids.append(session.pk)
    return ids


if __name__ == "__main__":
    _setup()
    what, count = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"patients": patients, "reminders": reminders}[what](count)))

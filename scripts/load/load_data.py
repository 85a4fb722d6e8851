"""Data for scripts/load_test.py, written through the app's own services into the cluster's scratch database.

    python scripts/load/load_data.py N_PATIENTS N_STARTED N_REMINDERS

Prints one JSON object: patients cleared for cryomassage with no course (to book), sessions of the
demo clinicians that began earlier today (to record), sessions whose 24-hour reminder is due now
(for the two workers), the location and the demo patient's course (for the calendar feed).
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import fault_data


def started(count: int) -> list[int]:
    """Sessions that began 20 minutes apart, weeks ago, per clinician: outcomes can be recorded."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from procedures.models import Procedure
    from scheduling.models import Course, Session

    cryo = Procedure.objects.get(slug="cryomassage-contact")
    doctors = list(User.objects.filter(username__in=["doctor", "doctor2"]).order_by("username"))
    registrar = User.objects.get(username="registrar")
    # Forty days back, 20 minutes apart: clear of the demo's own sessions (one is under way today).
    now = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=40)
    ids = []
    with transaction.atomic():
        for n, patient in enumerate(fault_data._cleared_patients(count, email=False)):
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
            start = now - datetime.timedelta(minutes=20 * (n // len(doctors) + 1))
            session = Session.objects.create(
                course=course,
                patient=patient,
                location=patient.home_location,
                clinician=doctors[n % len(doctors)],
                start=start,
                end=start + datetime.timedelta(minutes=20),
            )
            ids.append([session.pk, doctors[n % len(doctors)].username])
    return ids


def main() -> None:
    import django

    django.setup()
    from accounts.models import Location
    from procedures.models import Procedure
    from scheduling.models import Course

    patients, begun, due = (int(a) for a in sys.argv[1:4])
    # The scratch database's cryomassage asks for neither a signed consent nor a session note, so a
    # clinician's "completed" is one form, as at a clinic that keeps those on paper.
    Procedure.objects.filter(slug="cryomassage-contact").update(consent_required="", requires_session_note=False)
    demo_course = Course.objects.filter(patient__user__username="patient").first()
    print(
        json.dumps(
            {
                "patients": fault_data.patients(patients),
                "started": started(begun),
                "reminders": fault_data.reminders(due),
                "location": Location.objects.order_by("pk").first().pk,
                "course": demo_course.pk if demo_course else None,
            }
        )
    )


if __name__ == "__main__":
    main()

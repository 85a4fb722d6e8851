"""What the patients app holds about one patient, for an export, and how its identity is erased.

records.services calls these (and those of the other apps) in order; nothing here knows of them.
"""

from __future__ import annotations

import datetime

from .models import Patient

# A valid number that no real line uses: the field requires one, and anonymised patients must keep none.
ANONYMOUS_PHONE = "+70000000000"


def when(value):
    return value.isoformat() if value is not None else None


def patient_export(patient: Patient) -> dict:
    return {
        "id": patient.pk,
        "full_name": patient.full_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "phone": patient.phone.as_e164 if patient.phone else "",
        "email": patient.email,
        "preferred_language": patient.preferred_language,
        "consent_sms": patient.consent_sms,
        "consent_email": patient.consent_email,
        "notes": patient.notes,
        "home_location": patient.home_location.name,
        "created_at": when(patient.created_at),
        "portal_login": patient.user_id is not None,
    }


def is_anonymised(patient: Patient) -> bool:
    return patient.full_name.startswith("Anonymised patient")


def patient_erase(patient: Patient) -> None:
    """Remove who the patient is (name, contacts, notes, login); keep the age, for the records."""
    user = patient.user
    Patient.objects.filter(pk=patient.pk).update(
        full_name=f"Anonymised patient {patient.pk}",
        date_of_birth=datetime.date(patient.date_of_birth.year, 1, 1),
        phone=ANONYMOUS_PHONE,
        phone_digits="0000000000",
        email="",
        notes="",
        consent_sms=False,
        consent_email=False,
        user=None,
    )
    if user is not None:
        user.is_active = False
        user.username = f"anonymised-{patient.pk}-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.set_unusable_password()
        user.save()

"""A patient's rights over their data: a copy of everything held (export), and erasure of who they
are (anonymisation) while the clinical records the law requires a clinic to keep stay in place.

Each app offers the export (and erasure) of its own rows; this module calls them in order. Both are
for clinic administrators only and both leave an audit event.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.selectors import audit_events_of_patient
from audit.services import audit_record
from billing.data_protection import money_export
from consents.data_protection import consents_export
from core.policy import require
from patients.data_protection import is_anonymised, patient_erase, patient_export
from portal.data_protection import portal_erase, portal_export
from procedures.data_protection import clinical_records_export
from reminders.data_protection import messages_export
from results.data_protection import results_erase, results_export
from scheduling.data_protection import bookings_erase, bookings_export, upcoming_sessions


def export_patient(*, actor, patient, request=None) -> dict:
    """Everything the clinic holds about one patient, as plain JSON-ready data."""
    require(actor, "patient.data_protection")
    data = {
        "exported_at": timezone.now().isoformat(),
        "patient": {**patient_export(patient), **portal_export(patient)},
        **clinical_records_export(patient),
        **results_export(patient),
        **consents_export(patient),
        **bookings_export(patient),
        **money_export(patient),
        **messages_export(patient),
        "access_log": list(
            audit_events_of_patient(patient_id=patient.pk)
            .order_by("at")
            .values("at", "actor_name", "action", "record_type", "record_id")
        ),
    }
    audit_record(request=request, actor=actor, action=Action.VIEW, patient=patient, detail={"export": True})
    return data


@transaction.atomic
def anonymise_patient(*, actor, patient, reason: str, request=None):
    """Remove who the patient is; keep the clinical records (screenings, ice tests, sessions),
    now tied to nobody nameable. Refused while sessions are still to come: cancel them first."""
    require(actor, "patient.data_protection")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why (for example, the patient's written request).")}, code="required")
    if is_anonymised(patient):
        raise ValidationError(_("This patient is already anonymised."), code="already_anonymised")
    upcoming = upcoming_sessions(patient)
    if upcoming:
        raise ValidationError(
            ngettext(
                "This patient still has %(n)s session to come. Cancel it before anonymising.",
                "This patient still has %(n)s sessions to come. Cancel them before anonymising.",
                upcoming,
            )
            % {"n": upcoming},
            code="has_upcoming_sessions",
        )
    patient_erase(patient)
    portal_erase(patient)
    bookings_erase(patient)
    results_erase(patient)  # the photos' files; the figures stay with the clinical records
    patient.refresh_from_db()
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=patient,
        record=patient,
        detail={"anonymised": True, "reason": reason.strip()[:500]},
    )
    return patient

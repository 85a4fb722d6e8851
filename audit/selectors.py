from django.db.models import Q

from .models import Action, AuditEvent


def audit_events_of_patient(*, patient_id: int):
    """Every event about one patient: those that name them, and the list reads that showed them.

    The list reads are found by their detail (no index: this serves the rare export, not pages)."""
    shown_in_list = Q(action=Action.VIEW_LIST) & (
        Q(detail__patients__contains=[patient_id])
        | Q(record_type="patients.patient", detail__ids__contains=[patient_id])
    )
    return AuditEvent.objects.filter(Q(patient_id=patient_id) | shown_in_list)

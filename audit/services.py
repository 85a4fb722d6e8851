import json

from core.events import SECRET_WORDS
from core.net import client_ip

from .models import Action, AuditEvent


def audit_record(
    *,
    request=None,
    actor=None,
    action: str,
    patient=None,
    record=None,
    record_type: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit event. The only writer of AuditEvent."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if record is not None:
        record_type = record_type or record._meta.label_lower
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        ip=client_ip(request),
        action=action,
        patient_id=getattr(patient, "pk", patient),  # a patient, or its id
        record_type=record_type,
        record_id=record.pk if record is not None else None,
        detail=detail or {},
    )


def audit_list_read(*, request, record_type: str, ids, patient_ids=None) -> AuditEvent | None:
    """One event for a page or response that shows many records: which ones, in one row, not one each.

    An event names one patient at most, so a list leaves `patient` empty and keeps the ids in the
    detail (`patients` too when the records are not patients themselves). Nothing shown, nothing read.
    """
    ids = list(dict.fromkeys(ids))
    if not ids:
        return None
    detail = {"path": request.path[:300], "count": len(ids), "ids": ids}
    if patient_ids is not None:
        detail["patients"] = sorted(set(patient_ids))
    return audit_record(request=request, action=Action.VIEW_LIST, record_type=record_type, detail=detail)


def _shows_a_secret(obj, text: str) -> bool:
    """Does the object's text show one of its secret fields? (An API token's text is its key.)"""
    for field in obj._meta.concrete_fields:
        if any(word in field.name for word in SECRET_WORDS):
            value = getattr(obj, field.attname, None)
            if value and str(value) in text:
                return True
    return False


def audit_admin_change(*, request, action: str, obj, message="", fields: dict | None = None) -> AuditEvent:
    """An add, change or delete made in Django's admin: besides Django's own admin log, the audit trail."""
    detail = {"admin": True, "message": json.loads(json.dumps(message, default=str))}
    if fields:
        detail["fields"] = fields
    text = str(obj)[:200]
    if not _shows_a_secret(obj, text):
        detail["object"] = text
    if isinstance(obj.pk, int):
        return audit_record(request=request, action=action, record=obj, detail=detail)
    return audit_record(request=request, action=action, record_type=obj._meta.label_lower, detail=detail)


def audit_sessions_read(*, request, sessions) -> AuditEvent | None:
    """A calendar, day list or closure page read: the sessions shown and their patients, one event.

    Takes anything with `id` and `patient_id` (sessions, or the calendar's plain entries)."""
    sessions = list(sessions)
    return audit_list_read(
        request=request,
        record_type="scheduling.session",
        ids=[s.id for s in sessions],
        patient_ids=[s.patient_id for s in sessions],
    )

from clinic.net import client_ip

from .models import AuditEvent


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
        patient=patient,
        record_type=record_type,
        record_id=record.pk if record is not None else None,
        detail=detail or {},
    )

"""What the lower layers ask the audit trail to record, without importing it.

The audit app (above them) listens to `recorded` and writes each as an audit event. The action names
are the audit trail's (`audit.models.Action` values).
"""

from django.dispatch import Signal

recorded = Signal()  # keyword arguments: request, actor, action, detail, record, patient
admin_changed = Signal()  # keyword arguments: request, action, obj, message, fields
# A patient registered on the staff form; consents (above patients) records the personal-data
# consent the registrar ticked. Keyword arguments: request, actor, patient, personal_data_consent.
patient_registered = Signal()

SECRET_WORDS = ("password", "key", "token", "secret")  # a field named with one of these is never copied


def record(*, action: str, request=None, actor=None, detail: dict | None = None, record=None, patient=None) -> None:
    """Ask for one audit event (the audit app writes it in the same transaction)."""
    recorded.send(
        sender=None, request=request, actor=actor, action=action, detail=detail or {}, record=record, patient=patient
    )


def refused(request) -> None:
    """A refused page or API call is an audit event: who, what path, from where."""
    record(request=request, action="denied", detail={"path": request.path[:300], "method": request.method})

"""The messages sent (or to send) to one patient, for an export."""

from .models import Dispatch


def messages_export(patient) -> dict:
    return {
        "messages": list(
            Dispatch.objects.filter(session__patient=patient)
            .order_by("due_at")
            .values("session_id", "kind", "channel", "status", "sent_at", "detail")
        )
    }

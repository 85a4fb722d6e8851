"""The messages sent (or to send) to one patient, for an export."""

from django.db.models import Q

from .models import Dispatch


def messages_export(patient) -> dict:
    """Hers: the messages about her sessions, and the waiting-list offers made to her (filed under
    another patient's freed session, so never in that patient's export)."""
    return {
        "messages": list(
            Dispatch.objects.filter(Q(session__patient=patient, offer__isnull=True) | Q(offer__entry__patient=patient))
            .order_by("due_at")
            .values("session_id", "kind", "channel", "status", "sent_at", "detail")
        )
    }

"""Freed times: the services that cancel or move sessions hand them to the waiting list here, on commit.

This module imports no other service, so that every service that frees time may call it.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Session

log = logging.getLogger(__name__)

TASK = "scheduling.waitlist_offer"


@dataclass(frozen=True)
class FreedSlot:
    session_id: int
    location_id: int
    procedure_id: int
    clinician_id: int
    start: datetime.datetime
    end: datetime.datetime

    def as_task_args(self) -> dict:
        return {
            "session_id": self.session_id,
            "location_id": self.location_id,
            "procedure_id": self.procedure_id,
            "clinician_id": self.clinician_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def waitlist_slots_freed(freed) -> None:
    """Queue the offers of the times these sessions held, once the caller's transaction commits.

    `freed`: session ids (cancelled: their times are free) or (id, old start, new start) of moves.
    Read now, inside the transaction: a moved session's old time is known only here.
    """
    old_starts = {}
    ids = []
    for item in freed:
        session_id, old = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
        ids.append(session_id)
        if old is not None:
            old_starts[session_id] = old
    slots = []
    for session in Session.objects.filter(pk__in=ids).select_related("course"):
        start = old_starts.get(session.pk, session.start)
        slots.append(
            FreedSlot(
                session.pk,
                session.location_id,
                session.course.procedure_id,
                session.clinician_id,
                start,
                start + (session.end - session.start),
            )
        )
    for slot in slots:
        if slot.start > timezone.now():
            transaction.on_commit(lambda slot=slot: queue_offers(slot))


def queue_offers(slot: FreedSlot, *, eta: datetime.datetime | None = None) -> None:
    """Hand the slot to a worker; "inline" (or a broker that is down) makes the offers here, after the commit.

    With `eta` (when the offers just made expire) a worker looks at the time again then; inline,
    that second look waits for the next freed time or a decline.
    """
    if settings.WAITLIST_OFFER_DELIVERY == "celery":
        try:
            # No result is read: without ignore_result a down Redis holds the request ~20 s in the result
            # backend's reconnects before the publish fails.
            current_app.send_task(TASK, kwargs=slot.as_task_args(), eta=eta, ignore_result=True)
            return
        except Exception:  # the broker is down: the offers are still worth making now
            log.warning("broker unavailable; making waiting-list offers within the request", exc_info=True)
    if eta is not None:
        return
    # The task by its name (scheduling.tasks imports the services, so they do not import it), run here.
    result = current_app.tasks[TASK].apply(kwargs=slot.as_task_args())
    if result.failed():
        log.error("could not make the waiting-list offers for session %s: %s", slot.session_id, result.result)

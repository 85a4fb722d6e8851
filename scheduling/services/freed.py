"""Freed times: the services that cancel or move sessions hand them to the waiting list here, on commit.

A cancelled session of a course still under way also waits here for its own replacement: an entry
of the waiting list (`replaces`) that is offered fitting freed times before any other entry
(services.replacements says which times fit). This module imports no other service, so that every
service that frees time may call it.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record

from ..models import (
    ACTIVE_STATUSES,
    CourseStatus,
    OfferStatus,
    Session,
    SessionStatus,
    WaitlistEntry,
    WaitlistStatus,
    WaitlistVia,
)

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
    cancelled = [i for i in ids if i not in old_starts]
    if cancelled and settings.WAITLIST_REPLACEMENT_FIRST:
        replacement_entries_create(cancelled)
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


def replacement_entries_create(session_ids) -> list[WaitlistEntry]:
    """Each cancelled future session of a course still under way waits for its own replacement.

    The window runs from today to the course's last active day plus the longest gap allowed (the
    planner's check at offer time decides what really fits). One entry per session (`replaces` is
    unique); a session already replaced or already waiting gets none.
    """
    now = timezone.now()
    sessions = (
        Session.objects.filter(
            pk__in=session_ids,
            status=SessionStatus.CANCELLED,
            start__gt=now,
            course__status=CourseStatus.ACTIVE,
            replaced_by__isnull=True,
            waitlist_replacement__isnull=True,
        )
        .select_related("course__procedure", "location")
        .order_by("start")
    )
    made = []
    for session in sessions:
        course, tz = session.course, session.location.tz
        last = course.sessions.filter(status__in=ACTIVE_STATUSES).order_by("-start").values_list("start", flat=True)
        latest = max([session.start, *last[:1]]).astimezone(tz).date()
        entry = WaitlistEntry.objects.create(
            patient_id=course.patient_id,
            procedure_id=course.procedure_id,
            location_id=session.location_id,
            earliest_on=timezone.localdate(now, timezone=tz),
            latest_on=latest + datetime.timedelta(days=course.procedure.max_gap_days),
            sessions=1,
            via=WaitlistVia.COURSE,
            replaces=session,
            created_at=now,
        )
        audit_record(
            action=Action.CREATE,
            patient=course.patient_id,
            record=entry,
            detail={"via": WaitlistVia.COURSE, "replaces": session.pk, "course": course.pk},
        )
        made.append(entry)
    return made


def replacement_entry_booked(session: Session, course) -> None:
    """The session is replaced (at the end of the course, or at an offered time): its entry is done."""
    entry = WaitlistEntry.objects.filter(replaces=session, status=WaitlistStatus.WAITING).first()
    if entry is None:
        return
    WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.BOOKED, course=course
    )
    entry.offers.filter(status=OfferStatus.OFFERED).update(status=OfferStatus.CLOSED, answered_at=timezone.now())


def queue_offers(slot: FreedSlot, *, eta: datetime.datetime | None = None) -> None:
    """Hand the slot to a worker; "inline" (or a broker that is down) makes the offers here, after the commit.

    With `eta` (when the offers just made expire) a worker looks at the time again then; inline
    (no eta), the beat sweep `scheduling.waitlist_sweep` does it within five minutes of the expiry.
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

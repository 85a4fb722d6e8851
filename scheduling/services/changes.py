"""What the clinic changed in a patient's plan, recorded as data for the patient's notice.

Every service that moves, re-plans, cancels or adds sessions on the clinic's side calls
`plan_change_record` in its own transaction, once per action: the reminders app derives one notice
per channel from each record (scheduling knows nothing of messages). A closure re-plan that moves
two courses of one patient is one record, as is a visit's combined partner moved or cancelled with
it. What the patient does themselves (cancelling from the portal or a reminder link) is not
recorded: they know.
"""

from __future__ import annotations

import datetime

from ..models import PlanChange, PlanChangeKind, Session

# (session id, old start, new start); a cancelled session is (id, None, None): its start is read here.
Entry = tuple[int, datetime.datetime | None, datetime.datetime | None]


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def plan_change_record(*, actor, kind: str, entries: list[Entry], reason: str = "") -> list[PlanChange]:
    """One record per patient for the sessions one action changed; none when nothing changed."""
    if not entries:
        return []
    current = Session.objects.in_bulk([session_id for session_id, _old, _new in entries])
    by_patient: dict[int, list[dict]] = {}
    seen: set[int] = set()
    filled = [(i, old or (current[i].start if new is None else None), new) for i, old, new in entries]
    for session_id, old, new in sorted(filled, key=lambda e: (e[1] or e[2], e[0])):
        if session_id in seen:
            continue
        seen.add(session_id)
        session = current[session_id]
        by_patient.setdefault(session.patient_id, []).append(
            {"id": session_id, "old": _iso(old), "new": _iso(new), "seq": session.sequence}
        )
    changes = []
    for patient_id, rows in by_patient.items():
        first = rows[0]
        this_kind = kind
        if kind in (PlanChangeKind.MOVED, PlanChangeKind.REPLANNED):
            # One visit (a session, with its combined partner if any) is a move; more is a re-plan.
            this_kind = PlanChangeKind.MOVED if _one_visit(rows, current) else PlanChangeKind.REPLANNED
        changes.append(
            PlanChange(
                patient_id=patient_id,
                session_id=first["id"],
                sequence=first["seq"],
                kind=this_kind,
                actor=actor if getattr(actor, "pk", None) else None,
                reason=reason,
                sessions=rows,
            )
        )
    return PlanChange.objects.bulk_create(changes)


def _one_visit(rows: list[dict], current: dict[int, Session]) -> bool:
    """These sessions are one visit: a session and the other half of its combined visit."""
    if len(rows) != 2:
        return len(rows) == 1
    a, b = (current[row["id"]] for row in rows)
    return a.companion_of_id == b.pk or b.companion_of_id == a.pk

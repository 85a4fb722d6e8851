"""A closure added after sessions were booked: which sessions it hits, and the re-plan of their courses.

The re-plan is planning: from each course's first session on a closed day, the rest of the course is
placed again by the planner's rules (see services.moves). It is proposed first and written only when
the registrar confirms that very proposal; then every course whose sessions all found a place moves,
in one transaction, and a course that could not be placed whole is left as it was and named.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record

from ..locks import lock_location_schedule
from ..models import PlanChangeKind, Session, SessionStatus
from ..progress import session_places
from ..replan import ToPlace
from .changes import plan_change_record
from .common import check_clashes_now, defer_clash_checks, require
from .moves import MoveProposal, _timeline, apply_placements, plan_course_change


def closure_affected_sessions(closure):
    tz = closure.location.tz
    begin = datetime.datetime.combine(closure.starts_on, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(closure.ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return (
        Session.objects.filter(
            location=closure.location, status=SessionStatus.SCHEDULED, start__gte=begin, start__lt=end
        )
        .select_related("patient", "clinician", "course__procedure", "course__location", "course__patient")
        .order_by("start")
    )


def closure_replan_preview(*, closure, lock: bool = False) -> list[MoveProposal]:
    """For each course hit by the closure, the proposal that re-plans it from its first hit session."""
    affected = list(closure_affected_sessions(closure))
    handled: set[int] = set()
    freed: set[int] = set()  # sessions of earlier courses that their (whole) re-plan moves away
    taken: list = []
    proposals = []
    for session in affected:
        if session.pk in handled:
            continue
        course = session.course
        timeline = _timeline(course, lock=lock)
        index = next(i for i, s in enumerate(timeline) if s.pk == session.pk)
        places = session_places(timeline)
        items = [
            ToPlace(s.pk, places[s.pk], s.start, s.clinician_id)
            for s in timeline[index:]
            if s.status == SessionStatus.SCHEDULED
        ]
        previous_day = timeline[index - 1].start.astimezone(course.location.tz).date() if index else None
        result = plan_course_change(
            course=course,
            timeline=timeline,
            items=items,
            previous_day=previous_day,
            shift_days=0,
            also_exclude=[s.pk for s in affected if s.pk not in handled and s.course_id != course.pk] + list(freed),
            taken=taken,
        )
        proposal = MoveProposal(session=session, replan=result)
        for placement in result.placements:
            handled.add(placement.session_id)
            if placement.partner is not None:
                handled.add(placement.partner.session_id)
                taken.append((placement.partner, course.patient_id))
            if placement.start is not None:
                taken.append((placement, course.patient_id))
        if proposal.ok:  # it will move: its old times are free for the courses planned after it
            freed |= {p.session_id for p in result.placements}
            freed |= {p.partner.session_id for p in result.placements if p.partner is not None}
        proposals.append(proposal)
    return proposals


def fingerprint(proposals: list[MoveProposal]) -> str:
    return "||".join(p.fingerprint() for p in proposals)


def closure_replan(*, actor, closure, expected: str | None = None, request=None) -> list[MoveProposal]:
    """Apply the re-plan the registrar saw: every course that could be placed whole, all at once."""
    require(actor, "booking.manage")
    with transaction.atomic():
        lock_location_schedule(closure.location_id)
        defer_clash_checks()
        proposals = closure_replan_preview(closure=closure, lock=True)
        if expected is not None and fingerprint(proposals) != expected:
            raise ValidationError(
                _("The schedule changed since you looked at the proposal. Check the new one and confirm again."),
                code="plan_changed",
            )
        changed = []
        for proposal in proposals:
            if not proposal.ok:
                continue
            entries = apply_placements(proposal.replan.placements)
            changed += entries
            moved = [session_id for session_id, _old, _new in entries]
            proposal.applied = True
            audit_record(
                request=request,
                actor=actor,
                action=Action.UPDATE,
                patient=proposal.session.patient,
                record=proposal.session.course,
                detail={"replanned_for_closure": closure.pk, "moved": moved},
            )
        check_clashes_now()
        # One notice per patient for the whole re-plan, however many of their courses it moved.
        plan_change_record(actor=actor, kind=PlanChangeKind.REPLANNED, entries=changed, reason=closure.reason)
    return proposals

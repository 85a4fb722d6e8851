"""Moving sessions: one alone, or with the rest of the course re-planned after it.

A move is judged by the gaps it changes (a gap that a cancellation already widened does not refuse
an unrelated move), and "shift the following" is planning: the later sessions are placed again by
the planner's rules, keeping their time and clinician where they can. The partner of a combined
visit moves with its session, at the same offset. Nothing is written unless every session finds
its place; `expected` (the fingerprint of the proposal a person saw) makes the write apply exactly
what was shown.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.services import audit_record

from ..availability import load_availability
from ..locks import lock_location_schedule
from ..models import ACTIVE_STATUSES, Course, PlanChangeKind, Session, SessionStatus
from ..planner import Rules
from ..progress import session_places
from ..replan import Partner, Placement, Replan, ToPlace, replan
from .changes import Entry, plan_change_record
from .common import (
    SessionSpec,
    check_clashes_now,
    clash_conflict,
    coded,
    defer_clash_checks,
    eligibility_check,
    rebook_resources,
    require,
)
from .freed import waitlist_slots_freed


@dataclass
class MoveProposal:
    """What a move would do: every placement, and what stands in the way."""

    session: Session
    replan: Replan
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.all_problems

    @property
    def all_problems(self) -> list[str]:
        return self.problems + self.replan.problems + self.partner_problems

    @property
    def partner_problems(self) -> list[str]:
        return [
            _("Session %(n)d, the combined procedure: %(reason)s") % {"n": p.number, "reason": reason}
            for p in self.replan.placements
            if p.partner is not None
            for reason in p.partner.ineligible
        ]

    def fingerprint(self) -> str:
        partners = [f"{p.partner.session_id}@{p.partner.start}" for p in self.replan.placements if p.partner]
        return self.replan.fingerprint() + "|" + "|".join(partners)


def _timeline(course, *, lock: bool) -> list[Session]:
    sessions = course.sessions.filter(status__in=ACTIVE_STATUSES).order_by("start")
    if lock:
        sessions = sessions.select_for_update()
    return list(sessions)


def _partners(sessions: list[Session]) -> dict[int, Session]:
    """session id -> the scheduled other half of its combined visit."""
    ids = [s.pk for s in sessions]
    leads = {s.companion_of_id: s.pk for s in sessions if s.companion_of_id}
    found = Session.objects.filter(
        Q(companion_of_id__in=ids) | Q(pk__in=list(leads)), status=SessionStatus.SCHEDULED
    ).select_related("course__procedure")
    out = {}
    for partner in found:
        owner = partner.companion_of_id if partner.companion_of_id in ids else leads.get(partner.pk)
        if owner is not None:
            out[owner] = partner
    return out


def gap_problems(tz, rules: Rules, before: list[Session], after: list[tuple[int, datetime.datetime]]) -> list[str]:
    """Problems with the gaps a change makes: each pair of neighbours that is new or further apart."""
    old = {
        (a.pk, b.pk): (b.start.astimezone(tz).date() - a.start.astimezone(tz).date()).days
        for a, b in zip(before, before[1:], strict=False)
    }
    problems = []
    ordered = sorted(after, key=lambda pair: pair[1])
    for number, ((a_id, a_start), (b_id, b_start)) in enumerate(zip(ordered, ordered[1:], strict=False), start=2):
        gap = (b_start.astimezone(tz).date() - a_start.astimezone(tz).date()).days
        was = old.get((a_id, b_id))
        if was == gap:
            continue
        if gap < rules.spacing_days:
            problems.append(
                ngettext(
                    "Session %(n)d would be %(gap)d day after the one before; at least %(min)d are needed.",
                    "Session %(n)d would be %(gap)d days after the one before; at least %(min)d are needed.",
                    gap,
                )
                % {"n": number, "gap": gap, "min": rules.spacing_days}
            )
        elif gap > rules.max_gap_days and (was is None or gap > was):
            problems.append(
                ngettext(
                    "Session %(n)d would be %(gap)d day after the one before; at most %(max)d are allowed.",
                    "Session %(n)d would be %(gap)d days after the one before; at most %(max)d are allowed.",
                    gap,
                )
                % {"n": number, "gap": gap, "max": rules.max_gap_days}
            )
    return problems


def _snapshot(course, procedure, first_day, last_day, exclude):
    return load_availability(
        location=course.location,
        procedure=procedure,
        patient_id=course.patient_id,
        first_day=first_day,
        last_day=last_day,
        exclude_session_ids=exclude,
    )


def plan_course_change(
    *, course, timeline, items: list[ToPlace], previous_day, shift_days: int, also_exclude=(), taken=()
) -> Replan:
    """Re-plan `items` of `course` (with their combined partners) against everything else booked.

    `also_exclude`: sessions elsewhere that are being re-planned too (their old times are free);
    `taken`: placements already proposed for other courses (their new times are not).
    """
    tz = course.location.tz
    rules = Rules.of(course.procedure)
    moving = [s for s in timeline if s.pk in {i.session_id for i in items}]
    partners = _partners(moving)
    exclude = [i.session_id for i in items] + [p.pk for p in partners.values()] + list(also_exclude)
    starts = [i.exact or i.start for i in items]
    first_day = min(min(s.astimezone(tz).date() for s in starts), timezone.localdate(timezone=tz))
    last_day = max(s.astimezone(tz).date() for s in starts) + datetime.timedelta(
        days=abs(shift_days) + rules.max_gap_days * (len(items) + 1) + 14
    )
    av = _snapshot(course, course.procedure, first_day, last_day, exclude)
    _reserve_taken(av, taken, course.patient_id)
    partner_avs = {}
    for item in items:
        partner = partners.get(item.session_id)
        if partner is None:
            continue
        procedure = partner.course.procedure
        if procedure.pk not in partner_avs:
            partner_avs[procedure.pk] = _snapshot(course, procedure, first_day, last_day, exclude)
            _reserve_taken(partner_avs[procedure.pk], taken, course.patient_id)
        item.partner = Partner(
            partner.pk,
            partner.start - item.start,
            partner.clinician_id,
            partner_avs[procedure.pk],
            partner.end - partner.start,
        )
    # The course's first session after the change: a session that stays before the first one placed,
    # or the one the registrar named, or (None) the first placed.
    fixed_before = [s for s in timeline if s.pk not in exclude and s.start < starts[0]]
    course_start = fixed_before[0].start if fixed_before else items[0].exact
    result = replan(
        av,
        rules,
        items=items,
        previous_day=previous_day,
        shift_days=shift_days,
        eligibility=eligibility_check(course.patient, course.procedure, tz, course_start=course_start),
    )
    _partner_eligibility(course, result, partners)
    return result


def _reserve_taken(av, taken, patient_id) -> None:
    for placement, owner in taken:
        av.reserve(
            start=placement.start,
            end=placement.end,
            clinician_id=placement.clinician_id,
            resource_ids=placement.resource_ids,
            patient=owner == patient_id,
        )


def _partner_eligibility(course, result: Replan, partners: dict[int, Session]) -> None:
    checks = {}
    for placement in result.placements:
        if placement.partner is None or placement.partner.start is None:
            continue
        procedure = partners[placement.session_id].course.procedure
        if procedure.pk not in checks:
            checks[procedure.pk] = eligibility_check(course.patient, procedure, course.location.tz)
        placement.partner.ineligible = [str(r) for r in checks[procedure.pk](placement.partner.start)]


def session_move_proposal(
    *, session: Session, new_start: datetime.datetime, shift_following: bool = False, lock: bool = False
) -> MoveProposal:
    """What moving `session` to `new_start` would do. Writes nothing."""
    course = session.course
    tz = course.location.tz
    timeline = _timeline(course, lock=lock)
    current = next((s for s in timeline if s.pk == session.pk), None)
    if current is None or current.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be moved."), code="not_scheduled")
    if new_start <= timezone.now():
        raise ValidationError(_("A session cannot be moved into the past."), code="in_past")
    index = timeline.index(current)
    numbers = session_places(timeline)
    items = [ToPlace(current.pk, numbers[current.pk], current.start, current.clinician_id, exact=new_start)]
    if shift_following:
        items += [
            ToPlace(s.pk, numbers[s.pk], s.start, s.clinician_id)
            for s in timeline[index + 1 :]
            if s.status == SessionStatus.SCHEDULED
        ]
    delta = (new_start.astimezone(tz).date() - current.start.astimezone(tz).date()).days
    result = plan_course_change(course=course, timeline=timeline, items=items, previous_day=None, shift_days=delta)
    placed = {p.session_id: p.start for p in result.placements if p.start is not None}
    after = [(s.pk, placed.get(s.pk, s.start)) for s in timeline]
    problems = gap_problems(tz, Rules.of(course.procedure), timeline, after) if len(placed) == len(items) else []
    return MoveProposal(session=current, replan=result, problems=problems)


def apply_placements(placements: list[Placement]) -> list[Entry]:
    """Write every changed placement (and its partner); returns (id, old start, new start) of each moved."""
    moved = []
    now = timezone.now()
    for placement in placements:
        for part in filter(None, (placement, placement.partner)):
            if not part.changed:
                continue
            # update() skips auto_now: updated_at is the calendar's LAST-MODIFIED, so it is set here.
            Session.objects.filter(pk=part.session_id).update(
                start=part.start,
                end=part.end,
                clinician_id=part.clinician_id,
                sequence=F("sequence") + 1,
                rescheduled_at=now,
                updated_at=now,
            )
            session = Session(pk=part.session_id, start=part.start, end=part.end)
            rebook_resources(session, part.resource_ids)
            moved.append((part.session_id, part.old_start, part.start))
    return moved


def session_move(
    *,
    actor,
    session: Session,
    new_start: datetime.datetime,
    shift_following: bool = False,
    expected: str | None = None,
    request=None,
) -> list[Session]:
    """Move one session; with shift_following, the later ones are re-planned after it. All or nothing."""
    require(actor, "booking.manage")
    course = session.course
    proposal = None
    try:
        with transaction.atomic():
            lock_location_schedule(course.location_id)
            Course.objects.select_for_update().get(pk=course.pk)
            defer_clash_checks()
            proposal = session_move_proposal(
                session=session, new_start=new_start, shift_following=shift_following, lock=True
            )
            if expected is not None and proposal.fingerprint() != expected:
                raise ValidationError(
                    _("The schedule changed since you looked at the proposal. Check the new one and confirm again."),
                    code="plan_changed",
                )
            if not proposal.ok:
                raise coded(proposal.all_problems, "not_movable")
            moved = apply_placements(proposal.replan.placements)
            check_clashes_now()
            plan_change_record(actor=actor, kind=PlanChangeKind.REPLANNED, entries=moved)
            waitlist_slots_freed(moved)
            moved = [session_id for session_id, _old, _new in moved]
            audit_record(
                request=request,
                actor=actor,
                action=Action.UPDATE,
                patient=course.patient,
                record=session,
                detail={"moved": moved, "to": new_start.isoformat(), "shift_following": shift_following},
            )
    except IntegrityError:
        specs = [SessionSpec(p.start, p.clinician_id, p.resource_ids) for p in proposal.replan.placements]
        raise clash_conflict(
            patient=course.patient,
            specs=specs,
            duration=Rules.of(course.procedure).duration,
            exclude_ids=[p.session_id for p in proposal.replan.placements],
            numbers=[p.number for p in proposal.replan.placements],
        ) from None
    return list(Session.objects.filter(pk__in=moved).order_by("start"))

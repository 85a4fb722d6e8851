"""The course planner: pure functions over an Availability snapshot. No database, no clock.

Rules it keeps: consecutive sessions are `spacing_days` apart by local date, never more than
`max_gap_days`; every session lies in opening hours and the clinician's hours, with a clinician
certified on that day, free rooms/devices of every needed kind, and a free patient. When the ideal
day does not work, the session goes to the next feasible day and says why.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.dates import short_date

from .availability import Availability

STEP = datetime.timedelta(minutes=15)
FIRST_SESSION_SEARCH_DAYS = 14
# The most sessions a booking form or the API takes at all; a procedure's own bounds are count_problems'.
MOST_SESSIONS = 30

# How far a failed attempt got: the furthest stage names the most useful reason.
CLOSED, NO_CLINICIAN, LEAVE, NOT_WORKING, CLINICIAN_BUSY, RESOURCE_BUSY, PATIENT_BUSY = range(7)
# What a clash is with, by the stage that found it (the API lists clashes by these names).
CLASH_KINDS = {CLINICIAN_BUSY: "clinician", RESOURCE_BUSY: "resource", PATIENT_BUSY: "patient"}


@dataclass(frozen=True)
class Clash:
    """One session that another booking stands in the way of: which, when, with what, and the sentence."""

    number: int
    start: datetime.datetime
    clashes_with: str  # a value of CLASH_KINDS
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Rules:
    duration: datetime.timedelta
    min_sessions: int
    max_sessions: int
    spacing_days: int
    max_gap_days: int

    @classmethod
    def of(cls, procedure) -> Rules:
        return cls(
            datetime.timedelta(minutes=procedure.duration_minutes),
            procedure.min_sessions,
            procedure.max_sessions,
            procedure.spacing_days,
            procedure.max_gap_days,
        )


@dataclass
class Slot:
    start: datetime.datetime
    end: datetime.datetime
    clinician_id: int
    resource_ids: list[int]
    companion: Slot | None = None  # the other procedure of a combined visit, the same day


@dataclass
class ProposedSession:
    number: int
    start: datetime.datetime
    end: datetime.datetime
    clinician_id: int
    clinician_name: str
    resource_ids: list[int]
    resource_names: list[str]
    moved_from: datetime.date | None = None
    notes: list[str] = field(default_factory=list)
    ineligible: list[str] = field(default_factory=list)
    companion: ProposedSession | None = None


@dataclass
class Plan:
    sessions: list[ProposedSession]
    problems: list[str]
    # A combined procedure with a count of its own: its sessions after the last shared visit.
    companion_rest: list[ProposedSession] = field(default_factory=list)
    # What the administrator and the clinician should know, that does not stop the booking.
    warnings: list[str] = field(default_factory=list)
    outside_healing_phase: bool = False  # the first session is after the healing phase: confirm it

    @property
    def bookable(self) -> bool:
        return (
            not self.problems
            and not any(s.ineligible or (s.companion is not None and s.companion.ineligible) for s in self.sessions)
            and not any(s.ineligible for s in self.companion_rest)
        )


def course_price(price_per_session: Decimal, count: int, discount_percent: Decimal) -> Decimal:
    total = price_per_session * count * (Decimal(100) - discount_percent) / Decimal(100)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def local(moment: datetime.datetime, av: Availability) -> datetime.datetime:
    return moment.astimezone(av.tz)


def short(day: datetime.date) -> str:
    return short_date(day)


def closed_reason(av: Availability, day: datetime.date) -> str | None:
    for first, last, reason in av.closures:
        if first <= day <= last:
            return _("the clinic is closed: %(reason)s") % {"reason": reason}
    if day.weekday() not in av.opening:
        return _("the clinic is closed on %(weekday)s") % {"weekday": date_format(day, "l")}
    return None


def _overlaps(intervals, start, end) -> bool:
    return any(s < end and start < e for s, e in intervals)


def _free_resources(av, start, end, wanted: list[int] | None) -> tuple[list[int] | None, str | None]:
    chosen = []
    for kind_id, kind_name in av.needed_kinds:
        candidates = av.resources_by_kind.get(kind_id, [])
        if wanted is not None:
            candidates = [r for r in candidates if r.id in wanted]
        free = next((r for r in candidates if not _overlaps(av.busy_resource.get(r.id, ()), start, end)), None)
        if free is None:
            return None, _("no free %(kind)s at that time") % {"kind": kind_name.lower()}
        chosen.append(free.id)
    return chosen, None


def check_slot(
    av: Availability,
    start: datetime.datetime,
    end: datetime.datetime,
    clinician_id: int,
    resource_ids: list[int] | None = None,
) -> tuple[int, str | None, list[int]]:
    """(stage reached, reason or None, resources chosen) for one clinician at one time."""
    start_l, end_l = local(start, av), local(end, av)
    day = start_l.date()
    if av.not_before is not None and start < av.not_before:
        return CLOSED, _("that time has already passed"), []
    reason = closed_reason(av, day)
    if reason:
        return CLOSED, reason, []
    opens, closes = av.opening[day.weekday()]
    if start_l.time() < opens or end_l.time() > closes or end_l.date() != day:
        return (
            CLOSED,
            _("outside opening hours (%(opens)s–%(closes)s)")
            % {"opens": opens.strftime("%H:%M"), "closes": closes.strftime("%H:%M")},
            [],
        )
    info = av.clinicians.get(clinician_id)
    if info is None or (info.certified_until is not None and info.certified_until < day):
        return NO_CLINICIAN, _("the clinician is not certified for this procedure on that day"), []
    for first, last, _why in info.leaves:
        if first <= day <= last:
            return LEAVE, _("%(name)s is on leave") % {"name": info.name}, []
    hours = info.hours.get(day.weekday())
    if hours is None or start_l.time() < hours[0] or end_l.time() > hours[1]:
        return NOT_WORKING, _("%(name)s does not work at that time") % {"name": info.name}, []
    if _overlaps(av.busy_clinician.get(clinician_id, ()), start, end):
        return CLINICIAN_BUSY, _("%(name)s has another session at that time") % {"name": info.name}, []
    chosen, reason = _free_resources(av, start, end, resource_ids)
    if reason:
        return RESOURCE_BUSY, reason, []
    if _overlaps(av.busy_patient, start, end):
        return PATIENT_BUSY, _("the patient has another session at that time"), []
    return PATIENT_BUSY + 1, None, chosen


def _candidate_starts(av, day, duration, preferred: datetime.time | None, window):
    opens, closes = av.opening[day.weekday()]
    lo = max(opens, window[0]) if window and window[0] else opens
    hi = min(closes, window[1]) if window and window[1] else closes
    first = datetime.datetime.combine(day, lo, tzinfo=av.tz)
    last_start = datetime.datetime.combine(day, hi, tzinfo=av.tz) - duration
    starts = []
    moment = first
    while moment <= last_start:
        starts.append(moment)
        moment += STEP
    if preferred is not None:
        target = datetime.datetime.combine(day, preferred, tzinfo=av.tz)
        starts.sort(key=lambda s: (abs((s - target).total_seconds()), s))
    return starts


def find_slot(
    av: Availability,
    day: datetime.date,
    duration: datetime.timedelta,
    *,
    preferred_time: datetime.time | None = None,
    window=None,
    clinician_order: list[int],
    companion=None,
) -> tuple[Slot | None, str]:
    """The free slot nearest the preferred time. With `companion(slot)`, the other procedure of a
    combined visit must find its slot too, or this start is passed over."""
    reason = closed_reason(av, day)
    if reason:
        return None, reason
    if not clinician_order:
        return None, _("no clinician is certified for this procedure")
    best = (-1, _("no free time that day"))
    for start in _candidate_starts(av, day, duration, preferred_time, window):
        end = start + duration
        for clinician_id in clinician_order:
            stage, why, resources = check_slot(av, start, end, clinician_id)
            if why is None:
                slot = Slot(start.astimezone(datetime.UTC), end.astimezone(datetime.UTC), clinician_id, resources)
                if companion is None:
                    return slot, ""
                slot.companion, why = companion(slot)
                if slot.companion is not None:
                    return slot, ""
            if stage > best[0]:
                best = (stage, why)
    return None, best[1]


def companion_start(main, main_duration, companion_duration, lead, *, before: bool) -> datetime.datetime:
    """A combined visit: the procedure done first ends `lead` before the other begins."""
    main_start = main.start if isinstance(main, Slot) else main
    if before:
        return main_start - lead - companion_duration
    return main_start + main_duration + lead


def companion_finder(
    av: Availability,
    rules: Rules,
    main_rules: Rules,
    lead: datetime.timedelta,
    *,
    before: bool,
    preferred_clinician=None,
):
    """Find the other procedure's slot of a combined visit, placed by companion_start()."""

    def find(main: Slot) -> tuple[Slot | None, str]:
        start = companion_start(main, main_rules.duration, rules.duration, lead, before=before)
        why = _("no clinician is certified for this procedure")
        for clinician_id in clinician_order(av, preferred_clinician):
            _stage, why, resources = check_slot(av, start, start + rules.duration, clinician_id)
            if why is None:
                return Slot(start, start + rules.duration, clinician_id, resources), ""
        return None, _("the combined procedure: %(why)s") % {"why": why}

    return find


def clinician_order(av: Availability, preferred: int | None) -> list[int]:
    others = sorted(cid for cid in av.clinicians if cid != preferred)
    return ([preferred] if preferred in av.clinicians else []) + others


def _propose(av, number, slot, moved_from, notes) -> ProposedSession:
    names = {r.id: r.name for rs in av.resources_by_kind.values() for r in rs}
    return ProposedSession(
        number=number,
        start=slot.start,
        end=slot.end,
        clinician_id=slot.clinician_id,
        clinician_name=av.clinicians[slot.clinician_id].name,
        resource_ids=slot.resource_ids,
        resource_names=[names[r] for r in slot.resource_ids],
        moved_from=moved_from,
        notes=notes,
    )


def plan_course(
    av: Availability,
    rules: Rules,
    *,
    count: int,
    first_day: datetime.date,
    preferred_time: datetime.time | None = None,
    window=None,
    preferred_clinician: int | None = None,
    eligibility=None,
    companion=None,
    companion_av: Availability | None = None,
    companion_eligibility=None,
    companion_every: int = 1,
    companion_count: int | None = None,
) -> Plan:
    """Propose `count` sessions; `eligibility(start)` returns the reasons a session may not happen.

    With `companion` (see companion_finder) sessions 1, 1 + every, 1 + 2 x every ... are paired with
    one of another procedure, `companion_count` of them at most (default: as many as there are).
    """
    problems = count_problems(rules, count)
    if problems:
        return Plan([], problems)
    sessions: list[ProposedSession] = []
    clinician, time_of_day = preferred_clinician, preferred_time
    ideal = first_day
    paired, most = 0, companion_count if companion_count is not None else count
    for number in range(1, count + 1):
        pairs = companion is not None and (number - 1) % companion_every == 0 and paired < most
        paired += pairs
        latest = ideal + datetime.timedelta(
            days=FIRST_SESSION_SEARCH_DAYS if number == 1 else rules.max_gap_days - rules.spacing_days
        )
        notes, day, slot = [], ideal, None
        while day <= latest:
            slot, why = find_slot(
                av,
                day,
                rules.duration,
                preferred_time=time_of_day,
                window=window,
                clinician_order=clinician_order(av, clinician),
                companion=companion if pairs else None,
            )
            if slot:
                break
            notes.append(_("%(day)s: %(why)s") % {"day": short(day), "why": why})
            day += datetime.timedelta(days=1)
        if slot is None:
            problems.append(
                _("Session %(n)d: no feasible day from %(first)s to %(last)s (%(why)s)")
                % {"n": number, "first": short(ideal), "last": short(latest), "why": "; ".join(notes[-3:])}
            )
            break
        for target in filter(None, (av, companion_av)):
            for part in filter(None, (slot, slot.companion)):
                target.reserve(
                    start=part.start, end=part.end, clinician_id=part.clinician_id, resource_ids=part.resource_ids
                )
        proposed = _propose(av, number, slot, ideal if day != ideal else None, notes)
        if eligibility is not None:
            proposed.ineligible = [str(r) for r in eligibility(slot.start)]
        if slot.companion is not None:
            proposed.companion = _propose(companion_av, number, slot.companion, None, [])
            if companion_eligibility is not None:
                proposed.companion.ineligible = [str(r) for r in companion_eligibility(slot.companion.start)]
        sessions.append(proposed)
        if number == 1:
            clinician, time_of_day = slot.clinician_id, local(slot.start, av).time()
        ideal = day + datetime.timedelta(days=rules.spacing_days)
    return Plan(sessions, problems)


def count_problems(rules: Rules, count: int) -> list[str]:
    if not rules.min_sessions <= count <= rules.max_sessions:
        return [
            ngettext(
                "A course of this procedure has %(a)d to %(b)d session.",
                "A course of this procedure has %(a)d to %(b)d sessions.",
                rules.max_sessions,
            )
            % {"a": rules.min_sessions, "b": rules.max_sessions}
        ]
    return []


def spacing_problems(tz, rules: Rules, starts: list[datetime.datetime], numbers: list[int] | None = None) -> list[str]:
    """Each consecutive pair at least `spacing_days` and at most `max_gap_days` apart, by local date."""
    problems = []
    days = [s.astimezone(tz).date() for s in starts]
    numbers = numbers or list(range(1, len(starts) + 1))
    for number, before, after in zip(numbers[1:], days, days[1:], strict=False):
        gap = (after - before).days
        if gap < rules.spacing_days:
            problems.append(
                ngettext(
                    "Session %(n)d is %(gap)d day after the one before; at least %(min)d are needed.",
                    "Session %(n)d is %(gap)d days after the one before; at least %(min)d are needed.",
                    gap,
                )
                % {"n": number, "gap": gap, "min": rules.spacing_days}
            )
        elif gap > rules.max_gap_days:
            problems.append(
                ngettext(
                    "Session %(n)d is %(gap)d day after the one before; at most %(max)d are allowed.",
                    "Session %(n)d is %(gap)d days after the one before; at most %(max)d are allowed.",
                    gap,
                )
                % {"n": number, "gap": gap, "max": rules.max_gap_days}
            )
    return problems


def check_sessions(
    av: Availability, rules: Rules, specs, numbers: list[int] | None = None
) -> tuple[list[str], list[Clash], list[list[int]]]:
    """Check sessions chosen by a person: (problems, clashes with other bookings, resources for each).

    `specs` hold start, clinician_id, resource_ids (None: pick free ones). Sessions are checked
    against each other too. `numbers` are the sessions' numbers in their course (default 1, 2, ...).
    """
    problems, clashes, chosen = [], [], []
    for number, spec in zip(numbers or range(1, len(specs) + 1), specs, strict=True):
        end = spec.start + rules.duration
        # No clinician named (the second procedure of a combined visit): the first certified and free.
        candidates = [spec.clinician_id] if spec.clinician_id is not None else clinician_order(av, None) or [None]
        for clinician_id in candidates:
            stage, why, resources = check_slot(av, spec.start, end, clinician_id, spec.resource_ids)
            if why is None:
                spec.clinician_id = clinician_id
                break
        if why:
            when = local(spec.start, av)
            message = _("Session %(n)d (%(when)s): %(why)s") % {
                "n": number,
                "when": short_date(when, time=True),
                "why": why,
            }
            if stage in CLASH_KINDS:
                clashes.append(Clash(number, spec.start, CLASH_KINDS[stage], message))
            else:
                problems.append(message)
            chosen.append([])
            continue
        av.reserve(start=spec.start, end=end, clinician_id=spec.clinician_id, resource_ids=resources)
        chosen.append(resources)
    return problems, clashes, chosen

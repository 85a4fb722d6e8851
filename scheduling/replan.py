"""Re-planning the rest of a course: pure, over an Availability snapshot, like the planner.

A move with "shift the following", the re-plan after a closure and a replacement session all come
here. Each session to place keeps its clinician and time of day where it can; its day is its old day
shifted by the move (or kept), never before the previous session plus the spacing and never after
the previous session plus the largest gap. A session that cannot be placed is named with the
reason, and so are the ones after it: the caller shows the proposal and writes nothing unless every
session is placed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.dates import short_date

from .availability import Availability
from .planner import FIRST_SESSION_SEARCH_DAYS, Rules, Slot, check_slot, clinician_order, find_slot, local, short


@dataclass
class ToPlace:
    session_id: int
    number: int  # the session's number in the course, counted among active sessions
    start: datetime.datetime  # where it is now
    clinician_id: int
    exact: datetime.datetime | None = None  # the registrar named this start (the moved session)
    # A combined visit: the partner moves with it, keeping this offset from the session's start.
    partner: Partner | None = None


@dataclass
class Partner:
    session_id: int
    offset: datetime.timedelta
    clinician_id: int
    av: Availability
    duration: datetime.timedelta


@dataclass
class Placement:
    session_id: int
    number: int
    old_start: datetime.datetime
    old_clinician_id: int | None = None
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    clinician_id: int | None = None
    clinician_name: str = ""
    resource_ids: list[int] = field(default_factory=list)
    resource_names: list[str] = field(default_factory=list)
    problem: str = ""  # why it could not be placed
    ineligible: list[str] = field(default_factory=list)
    partner: Placement | None = None

    @property
    def changed(self) -> bool:
        return self.start is not None and (self.start != self.old_start or self.clinician_id != self.old_clinician_id)


@dataclass
class Replan:
    placements: list[Placement]

    @property
    def complete(self) -> bool:
        return all(p.start is not None and not p.ineligible for p in self.placements)

    @property
    def problems(self) -> list[str]:
        out = [p.problem for p in self.placements if p.problem]
        out += [
            _("Session %(n)d: %(reason)s") % {"n": p.number, "reason": reason}
            for p in self.placements
            for reason in p.ineligible
        ]
        return out

    def fingerprint(self) -> str:
        """What the registrar saw: a confirm applies only this very proposal."""
        parts = [f"{p.session_id}@{p.start.isoformat() if p.start else '-'}#{p.clinician_id}" for p in self.placements]
        return "|".join(parts)


def _names(av: Availability) -> dict[int, str]:
    return {r.id: r.name for rs in av.resources_by_kind.values() for r in rs}


def _fill(placement: Placement, av: Availability, slot: Slot) -> None:
    placement.start, placement.end = slot.start, slot.end
    placement.clinician_id = slot.clinician_id
    placement.clinician_name = av.clinicians[slot.clinician_id].name
    placement.resource_ids = slot.resource_ids
    names = _names(av)
    placement.resource_names = [names[r] for r in slot.resource_ids]


def _partner_finder(item: ToPlace):
    """The partner of a combined visit, at the same offset from the session's new start."""
    partner = item.partner
    if partner is None:
        return None

    def find(main: Slot) -> tuple[Slot | None, str]:
        start = main.start + partner.offset
        end = start + partner.duration
        why = _("no clinician is certified for this procedure")
        for clinician_id in clinician_order(partner.av, partner.clinician_id):
            _stage, why, resources = check_slot(partner.av, start, end, clinician_id)
            if why is None:
                return Slot(start, end, clinician_id, resources), ""
        return None, _("the combined procedure: %(why)s") % {"why": why}

    return find


def _place_exact(av: Availability, rules: Rules, item: ToPlace) -> tuple[Slot | None, str]:
    """The exact time asked for, with the session's own clinician or another certified one; when
    none fits, the reason of the first tried (its own clinician's), not of the last."""
    end = item.exact + rules.duration
    reasons = []
    for clinician_id in clinician_order(av, item.clinician_id):
        _stage, why, resources = check_slot(av, item.exact, end, clinician_id)
        if why is None:
            slot = Slot(item.exact, end, clinician_id, resources)
            finder = _partner_finder(item)
            if finder is None:
                return slot, ""
            slot.companion, why = finder(slot)
            if slot.companion is not None:
                return slot, ""
        reasons.append(why)
    return None, next((why for why in reasons if why), "")


def _search(av, rules, item, first: datetime.date, last: datetime.date) -> tuple[Slot | None, list[str]]:
    notes, day = [], first
    while day <= last:
        slot, why = find_slot(
            av,
            day,
            rules.duration,
            preferred_time=local(item.start, av).time(),
            clinician_order=clinician_order(av, item.clinician_id),
            companion=_partner_finder(item),
        )
        if slot:
            return slot, notes
        notes.append(_("%(day)s: %(why)s") % {"day": short(day), "why": why})
        day += datetime.timedelta(days=1)
    return None, notes


def replan(
    av: Availability,
    rules: Rules,
    *,
    items: list[ToPlace],
    previous_day: datetime.date | None,
    shift_days: int = 0,
    eligibility=None,
) -> Replan:
    """Place `items` (a course's remaining sessions, in order) after `previous_day`.

    `shift_days` moves each session's target day (a move of the first by that many days);
    `eligibility(start)` returns the reasons a session may not happen then.
    """
    placements: list[Placement] = []
    prev = previous_day
    blocked = None
    for item in items:
        placement = Placement(item.session_id, item.number, item.start, item.clinician_id)
        placements.append(placement)
        if blocked is not None:
            placement.problem = _("Session %(n)d: not placed, because session %(m)d could not be.") % {
                "n": item.number,
                "m": blocked,
            }
            continue
        if item.exact is not None:
            slot, why = _place_exact(av, rules, item)
            notes = [why] if why else []
        else:
            target = local(item.start, av).date() + datetime.timedelta(days=shift_days)
            if prev is None:
                first, last = target, target + datetime.timedelta(days=FIRST_SESSION_SEARCH_DAYS)
            else:
                first = prev + datetime.timedelta(days=rules.spacing_days)
                last = prev + datetime.timedelta(days=rules.max_gap_days)
                first = min(max(target, first), last)
            first = max(first, local(av.not_before, av).date()) if av.not_before else first
            slot, notes = _search(av, rules, item, first, last)
        if slot is None:
            placement.problem = _("Session %(n)d (now %(when)s) could not be placed: %(why)s") % {
                "n": item.number,
                "when": short_date(local(item.start, av), time=True),
                "why": "; ".join(notes[-3:]) or _("no free time"),
            }
            blocked = item.number
            continue
        _fill(placement, av, slot)
        parts = [slot]
        if slot.companion is not None:
            partner = item.partner
            placement.partner = Placement(
                partner.session_id, item.number, item.start + partner.offset, partner.clinician_id
            )
            _fill(placement.partner, partner.av, slot.companion)
            parts.append(slot.companion)
        snapshots = [av] + ([item.partner.av] if item.partner is not None and item.partner.av is not av else [])
        for snapshot in snapshots:
            for part in parts:
                snapshot.reserve(
                    start=part.start, end=part.end, clinician_id=part.clinician_id, resource_ids=part.resource_ids
                )
        if eligibility is not None:
            placement.ineligible = [str(r) for r in eligibility(slot.start)]
        prev = local(slot.start, av).date()
    return Replan(placements)

"""Combined visits: which procedure goes first, how two courses share visits, the partners' sessions."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..availability import load_availability
from ..planner import (
    Plan,
    Rules,
    companion_finder,
    companion_start,
    count_problems,
    plan_course,
    spacing_problems,
)
from .common import (
    SessionSpec,
    coded,
    eligibility_check,
)


def combined_order(procedure, combined) -> tuple[bool, datetime.timedelta]:
    """(whether `combined` goes before `procedure`, the lead). One of the two must carry a lead."""
    if procedure.pk == combined.pk:
        raise ValidationError(_("Choose a different procedure to combine with."), code="combined_same")
    if procedure.combined_lead_minutes is not None and combined.combined_lead_minutes is None:
        return False, datetime.timedelta(minutes=procedure.combined_lead_minutes)
    if combined.combined_lead_minutes is not None and procedure.combined_lead_minutes is None:
        return True, datetime.timedelta(minutes=combined.combined_lead_minutes)
    raise ValidationError(
        _("A combined visit pairs a procedure done first (such as cryomassage) with one that follows it."),
        code="combined_order",
    )


def every_days(n: int) -> str:
    return ngettext("every %(n)d day", "every %(n)d days", n) % {"n": n}


def combine_pattern(rules: Rules, other: Rules, count: int, combined_count: int | None) -> tuple[int, int, int]:
    """How a combined procedure shares a course's visits: (every, shared visits, its own sessions after).

    The same count: every visit is shared. A procedure spaced a whole multiple apart (plasmolifting
    every 14 days beside alternate-day cryomassage) shares every 7th visit and has the rest of its
    own course on its own days after. Anything else cannot be combined.
    """
    if combined_count is None:
        combined_count = count if not count_problems(other, count) else other.min_sessions
    if count_problems(other, combined_count):
        raise coded(count_problems(other, combined_count), "session_count")
    if combined_count == count and other.spacing_days == rules.spacing_days:
        return 1, count, 0
    if other.spacing_days % rules.spacing_days or other.spacing_days <= rules.spacing_days:
        raise ValidationError(
            _("A procedure %(every_x)s cannot share the visits of a course %(every_y)s.")
            % {"every_x": every_days(other.spacing_days), "every_y": every_days(rules.spacing_days)},
            code="combined_pattern",
        )
    every = other.spacing_days // rules.spacing_days
    shared = min(-(-count // every), combined_count)
    return every, shared, combined_count - shared


def companion_rest(plan: Plan, other_av, other: Rules, rest: int, eligibility) -> None:
    """The combined procedure's own sessions after its last shared visit."""
    last = [s.companion for s in plan.sessions if s.companion is not None]
    if not rest or not last:
        return
    tz = other_av.tz
    tail = plan_course(
        other_av,
        Rules(other.duration, 1, rest, other.spacing_days, other.max_gap_days),
        count=rest,
        first_day=last[-1].start.astimezone(tz).date() + datetime.timedelta(days=other.spacing_days),
        preferred_time=last[-1].start.astimezone(tz).time(),
        preferred_clinician=last[-1].clinician_id,
        eligibility=eligibility,
    )
    for number, session in enumerate(tail.sessions, start=len(last) + 1):
        session.number = number
    plan.companion_rest = tail.sessions
    plan.problems += tail.problems


def preview_combined(*, plan_args, patient, procedure, combined_procedure, location, count, combined_count, span):
    rules, other = Rules.of(procedure), Rules.of(combined_procedure)
    before, lead = combined_order(procedure, combined_procedure)
    every, shared, rest = combine_pattern(rules, other, count, combined_count)
    other_av = load_availability(
        location=location, procedure=combined_procedure, patient_id=patient.pk, first_day=span[0], last_day=span[1]
    )
    other_eligibility = eligibility_check(patient, combined_procedure, location.tz)
    plan = plan_course(
        **plan_args,
        companion=companion_finder(other_av, other, rules, lead, before=before),
        companion_av=other_av,
        companion_eligibility=other_eligibility,
        companion_every=every,
        companion_count=shared,
    )
    companion_rest(plan, other_av, other, rest, other_eligibility)
    starts = [s.companion.start for s in plan.sessions if s.companion] + [s.start for s in plan.companion_rest]
    plan.problems += spacing_problems(location.tz, other, starts)
    return plan


def companion_specs(rules, procedure, combined_procedure, specs, combined_sessions) -> list[SessionSpec]:
    """The combined procedure's sessions: one with each shared visit, then its own ones after."""
    before, lead = combined_order(procedure, combined_procedure)
    other = Rules.of(combined_procedure)
    extra = sorted(combined_sessions or [], key=lambda s: s.start)
    combined_count = None
    if extra and other.spacing_days > rules.spacing_days and not other.spacing_days % rules.spacing_days:
        combined_count = -(-len(specs) // (other.spacing_days // rules.spacing_days)) + len(extra)
    every, shared, rest = combine_pattern(rules, other, len(specs), combined_count)
    if rest != len(extra):
        raise ValidationError(
            ngettext(
                "Give the %(n)d session of %(procedure)s after the shared visits.",
                "Give the %(n)d sessions of %(procedure)s after the shared visits.",
                rest,
            )
            % {"n": rest, "procedure": combined_procedure.name},
            code="combined_sessions",
        )
    companions = []
    for index in range(0, len(specs), every)[:shared]:
        main = specs[index]
        companion = SessionSpec(companion_start(main.start, rules.duration, other.duration, lead, before=before), None)
        companion.companion_of_index = index
        companions.append(companion)
    return companions + extra

"""Say in words which sessions a patient's records (screening, ice test) do not cover."""

from __future__ import annotations

import datetime

from django.utils.translation import ngettext, ngettext_lazy

from core.dates import long_date

from ..planner import (
    Plan,
)
from .common import (
    eligibility_check,
)


def _covered_until(code, procedure, facts, first_start):
    """(the record's date, the last day it covers) for an expired screening or ice test, else None."""
    if code == "screening_expired":
        record = facts.screening_for(procedure.id, first_start)
        return record and (record.examined_at, procedure.screening_valid_days)
    if code == "ice_test_expired":
        record = facts.ice_test_before(first_start)
        return record and (record.performed_at, procedure.ice_test_valid_days)
    return None


COVERAGE = {
    # "count" names the key of the % mapping that chooses the plural form: how many sessions are listed.
    "screening_expired": ngettext_lazy(
        "The screening of %(date)s covers sessions up to %(until)s; session %(sessions)s needs a new one.",
        "The screening of %(date)s covers sessions up to %(until)s; sessions %(sessions)s need a new one.",
        "count",
    ),
    "ice_test_expired": ngettext_lazy(
        "The ice test of %(date)s covers sessions up to %(until)s; session %(sessions)s needs a new one.",
        "The ice test of %(date)s covers sessions up to %(until)s; sessions %(sessions)s need a new one.",
        "count",
    ),
}


def coverage_problems(patient, procedure, plan: Plan, tz) -> list[str]:
    """Say in words which sessions the patient's records do not cover, and why, once per reason."""
    ineligible = [s for s in plan.sessions if s.ineligible]
    if not ineligible:
        return []
    first_start = plan.sessions[0].start
    check = eligibility_check(patient, procedure, tz, course_start=first_start)
    by_code: dict[str, list[int]] = {}
    messages: dict[str, str] = {}
    for session in ineligible:
        for reason in check(session.start):
            by_code.setdefault(reason.code, []).append(session.number)
            messages.setdefault(reason.code, reason.message)
    problems = []
    for code, numbers in by_code.items():
        sessions = ", ".join(str(n) for n in numbers)
        covered = _covered_until(code, procedure, check.facts, first_start)
        if covered:
            date, days = covered
            problems.append(
                COVERAGE[code]
                % {
                    "count": len(numbers),
                    "date": long_date(date.astimezone(tz)),
                    "until": long_date((date + datetime.timedelta(days=days)).astimezone(tz)),
                    "sessions": sessions,
                }
            )
        else:
            problems.append(
                ngettext("Session %(sessions)s: %(reason)s", "Sessions %(sessions)s: %(reason)s", len(numbers))
                % {"sessions": sessions, "reason": messages[code]}
            )
    return problems

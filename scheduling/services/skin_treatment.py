"""The laser, peel or microdermabrasion a course of post-procedure cryotherapy follows.

The rules are procedures.rules' (pure); here they meet a booking: which courses need the treatment,
the location's today, the first session's local day, and the fields a course is written with.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from procedures.rules import healing_phase_end, outside_healing_phase, preceding_treatment_problems


@dataclass(frozen=True)
class PrecedingTreatment:
    kind: str  # a models.SkinTreatment
    day: datetime.date
    other: str = ""  # its name, when kind is "other"
    elsewhere: bool = False  # done at another clinic


def _first_day(starts, tz) -> datetime.date | None:
    return min(starts).astimezone(tz).date() if starts else None


def skin_treatment_problems(*, procedure, treatment: PrecedingTreatment | None, starts, tz) -> list[ValidationError]:
    """Why `treatment` cannot be the one a course of `procedure` starting at `starts` follows (coded)."""
    if not procedure.follows_skin_treatment:
        return []
    found = preceding_treatment_problems(
        kind=treatment.kind if treatment else "",
        other=treatment.other if treatment else "",
        day=treatment.day if treatment else None,
        first_day=_first_day(starts, tz),
        today=timezone.localdate(timezone=tz),
    )
    return [ValidationError(r.message, code=r.code) for r in found]


def healing_phase_warning(*, procedure, treatment: PrecedingTreatment | None, starts, tz):
    """The rules.Reason when the first session falls after the healing phase, else None."""
    first = _first_day(starts, tz)
    if not procedure.follows_skin_treatment or treatment is None or first is None:
        return None
    return outside_healing_phase(treatment_day=treatment.day, days=procedure.healing_phase_days, first_day=first)


def check_skin_treatment(*, courses, treatment: PrecedingTreatment | None, tz, acknowledged: bool) -> bool:
    """Refuse a booking whose treatment is missing or impossible; one that starts after the healing
    phase only when the administrator has not confirmed it. `courses`: (procedure, session starts).

    True: a course starts after the healing phase, as confirmed (the audit trail says so)."""
    errors = []
    for procedure, starts in courses:
        errors += skin_treatment_problems(procedure=procedure, treatment=treatment, starts=starts, tz=tz)
    if errors:
        raise ValidationError(errors)
    late = [healing_phase_warning(procedure=p, treatment=treatment, starts=starts, tz=tz) for p, starts in courses]
    late = [reason for reason in late if reason is not None]
    if late and not acknowledged:
        raise ValidationError([ValidationError(r.message, code=r.code) for r in late])
    return bool(late)


def course_fields(procedure, treatment: PrecedingTreatment | None) -> dict:
    """What a new course of `procedure` records of the treatment (nothing for other procedures)."""
    if not procedure.follows_skin_treatment or treatment is None:
        return {}
    return {
        "preceding_kind": treatment.kind,
        "preceding_kind_other": treatment.other.strip() if treatment.kind == "other" else "",
        "preceding_date": treatment.day,
        "preceding_elsewhere": treatment.elsewhere,
        "healing_phase_until": healing_phase_end(treatment.day, procedure.healing_phase_days),
    }

"""A week of hours saved whole: a branch's opening hours, a clinician's working hours.

The administrators' week grid (scheduling/admin.py) is the page; this is the only door. Each weekday is
one interval or a day off (the models keep one row a day). Everything is checked first and every problem
is said in plain words, keyed by the grid's field (`start_0`, `end_0`, `location_0` for Monday); then all
seven days are written in one transaction, or none. Each row added, changed or removed is an audit event
the way an admin change is (core.events.admin_changed), with the fields from and to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import admin_changed
from core.roles import Role

from ..models import OpeningHours, StaffHours, Weekday
from .common import require

MESSAGE = "week grid"  # the admin log's message for a change made on the week grid


@dataclass(frozen=True)
class Day:
    """One weekday of the grid: both times, or neither (a day off); staff hours also name the branch."""

    start: datetime.time | None = None
    end: datetime.time | None = None
    location: object | None = None

    @property
    def off(self) -> bool:
        return self.start is None and self.end is None


def _hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


OPENING_WORDS = {
    "no_start": gettext_lazy(
        "%(day)s: give the opening time too, or clear both times if the branch is closed that day."
    ),
    "no_end": gettext_lazy("%(day)s: give the closing time too, or clear both times if the branch is closed that day."),
    "order": gettext_lazy("%(day)s: the branch must close after it opens (opens %(from)s, closes %(to)s)."),
}
STAFF_WORDS = {
    "no_start": gettext_lazy("%(day)s: give the start time too, or clear both times for a day off."),
    "no_end": gettext_lazy("%(day)s: give the end time too, or clear both times for a day off."),
    "order": gettext_lazy("%(day)s: the working day must end after it starts (from %(from)s to %(to)s)."),
}


def _time_problems(weekday: int, day: Day, words: dict) -> dict[str, str]:
    label = Weekday(weekday).label
    if day.start is None and day.end is not None:
        return {f"start_{weekday}": words["no_start"] % {"day": label}}
    if day.end is None and day.start is not None:
        return {f"end_{weekday}": words["no_end"] % {"day": label}}
    if not day.off and day.start >= day.end:
        return {f"end_{weekday}": words["order"] % {"day": label, "from": _hhmm(day.start), "to": _hhmm(day.end)}}
    return {}


def _raise_if(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError({field: ValidationError(text, code="week_hours") for field, text in problems.items()})


def _current(row, name: str):
    """A field's stored value; a related object's id (read without a query)."""
    return getattr(row, f"{name}_id") if hasattr(row, f"{name}_id") else getattr(row, name)


def _changes(row, values: dict) -> dict:
    """Each field the week changes on this row, from and to (times as HH:MM, branches as ids)."""
    changes = {}
    for name, value in values.items():
        before = _plain(_current(row, name)) if row is not None else None
        if row is None or before != _plain(value):
            changes[name] = {"from": before, "to": _plain(value)}
    return changes


def _plain(value):
    if isinstance(value, datetime.time):
        return _hhmm(value)
    return getattr(value, "pk", value)


def _apply(model, existing: dict, wanted: dict, owner: dict, request) -> int:
    """Make the owner's rows match `wanted` (weekday -> field values, None for a day off); audit each write."""
    written = 0
    for weekday in Weekday.values:
        row, values = existing.get(weekday), wanted.get(weekday)
        if values is None:
            if row is not None:
                admin_changed.send(
                    sender=model, request=request, action="delete", obj=row, message=MESSAGE, fields=None
                )
                row.delete()
                written += 1
            continue
        fields = _changes(row, values)
        if not fields:
            continue
        if row is None:
            row = model(weekday=weekday, **owner, **values)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        row.full_clean(validate_unique=False)
        action = "create" if row.pk is None else "update"
        row.save()
        admin_changed.send(sender=model, request=request, action=action, obj=row, message=MESSAGE, fields=fields)
        written += 1
    return written


def _save(model, owner: dict, wanted: dict, request) -> int:
    try:
        with transaction.atomic():
            existing = {row.weekday: row for row in model.objects.select_for_update().filter(**owner)}
            return _apply(model, existing, wanted, owner, request)
    except IntegrityError as error:  # someone else saved the same week at the same moment
        raise ValidationError(
            _("These hours were changed by someone else at the same time. Reload the page and try again."),
            code="concurrent_change",
        ) from error


def location_week_set(*, actor, location, week: dict[int, Day], request) -> int:
    """Replace a branch's opening hours with this week (days left out or empty: closed). Returns the rows written."""
    require(actor, "catalogue.edit")
    problems = {}
    for weekday in Weekday.values:
        problems |= _time_problems(weekday, week.get(weekday, Day()), OPENING_WORDS)
    _raise_if(problems)
    wanted = {
        weekday: None if day.off else {"opens": day.start, "closes": day.end}
        for weekday, day in ((w, week.get(w, Day())) for w in Weekday.values)
    }
    return _save(OpeningHours, {"location": location}, wanted, request)


def _branch_problems(weekday: int, day: Day, clinician_location_ids: set[int], opening: dict) -> dict[str, str]:
    label = Weekday(weekday).label
    if day.location is None:
        return {
            f"location_{weekday}": _("%(day)s: choose the branch where the clinician works that day.") % {"day": label}
        }
    if day.location.pk not in clinician_location_ids:
        return {
            f"location_{weekday}": _(
                "%(day)s: the clinician is not attached to %(branch)s; add the branch to the clinician's account first."
            )
            % {"day": label, "branch": day.location}
        }
    hours = opening.get((day.location.pk, weekday))
    if hours is None:
        return {
            f"location_{weekday}": _("%(day)s: %(branch)s is closed that day.") % {"day": label, "branch": day.location}
        }
    if day.start < hours.opens or day.end > hours.closes:
        return {
            f"end_{weekday}": _(
                "%(day)s: %(branch)s is open %(opens)s–%(closes)s; the working hours must fit within them."
            )
            % {"day": label, "branch": day.location, "opens": _hhmm(hours.opens), "closes": _hhmm(hours.closes)}
        }
    return {}


def staff_week_set(*, actor, clinician, week: dict[int, Day], request) -> int:
    """Replace a clinician's working hours with this week (days left out or empty: off). Returns the rows written."""
    require(actor, "catalogue.edit")
    if not clinician.has_role(Role.CLINICIAN):
        raise ValidationError(_("Only a clinician has working hours."), code="not_a_clinician")
    location_ids = set(clinician.locations.values_list("pk", flat=True))
    opening = {(o.location_id, o.weekday): o for o in OpeningHours.objects.filter(location_id__in=location_ids)}
    problems = {}
    for weekday in Weekday.values:
        day = week.get(weekday, Day())
        found = _time_problems(weekday, day, STAFF_WORDS)
        if not found and not day.off:
            found = _branch_problems(weekday, day, location_ids, opening)
        problems |= found
    _raise_if(problems)
    wanted = {
        weekday: None if day.off else {"location": day.location, "starts": day.start, "ends": day.end}
        for weekday, day in ((w, week.get(w, Day())) for w in Weekday.values)
    }
    return _save(StaffHours, {"clinician": clinician}, wanted, request)

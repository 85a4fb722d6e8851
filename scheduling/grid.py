"""The registrar's time grid: its columns, working hours, closures, leave and free time, as plain data.

`calendar_frame` reads what frames a location's days in one query; `grid_data` lays the calendar's
sessions over it for the page's script (Event Calendar's resources and events) and for the free-time
lists the keyboard uses. Times are local to the location, written without an offset: the grid shows
the location's clock whatever the browser's zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .gridtime import Span, clock, frame_of, free_gaps, intersect, minutes, out_of_hours
from .models import Closure, SessionStatus

# One query for the frame (a UNION of six small reads, each row tagged with its kind): the grid is on
# the benchmark's hot path, where every round trip shows. Columns: kind, id, text, text2, text3,
# weekday, time from, time to, date from, date to.
FRAME_SQL = """
SELECT 'clinician', u.id, u.first_name, u.last_name, u.username,
       NULL::int, NULL::time, NULL::time, NULL::date, NULL::date
FROM accounts_user u JOIN accounts_user_locations ul ON ul.user_id = u.id AND ul.location_id = %(location)s
WHERE u.is_active AND EXISTS (SELECT 1 FROM accounts_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                              WHERE ug.user_id = u.id AND g.name = 'clinician')
UNION ALL
SELECT 'hours', h.clinician_id, NULL, NULL, NULL, h.weekday, h.starts, h.ends, NULL, NULL
FROM scheduling_staffhours h WHERE h.location_id = %(location)s
UNION ALL
SELECT 'open', NULL, NULL, NULL, NULL, o.weekday, o.opens, o.closes, NULL, NULL
FROM scheduling_openinghours o WHERE o.location_id = %(location)s
UNION ALL
SELECT 'closure', c.id, c.reason, NULL, NULL, NULL, NULL, NULL, c.starts_on, c.ends_on
FROM scheduling_closure c WHERE c.location_id = %(location)s AND c.starts_on <= %(last)s AND c.ends_on >= %(first)s
UNION ALL
SELECT 'leave', l.clinician_id, l.reason, NULL, NULL, NULL, NULL, NULL, l.starts_on, l.ends_on
FROM scheduling_leave l WHERE l.starts_on <= %(last)s AND l.ends_on >= %(first)s
  AND l.clinician_id IN (SELECT user_id FROM accounts_user_locations WHERE location_id = %(location)s)
UNION ALL
SELECT 'resource', r.id, r.name, k.{kind_name}, NULL, NULL, NULL, NULL, NULL, NULL
FROM scheduling_resource r JOIN procedures_resourcekind k ON k.id = r.kind_id
WHERE r.location_id = %(location)s AND r.active
"""


@dataclass
class Frame:
    """What frames a location's days: its clinicians and rooms, their hours, closures and leave."""

    clinicians: dict[int, str] = field(default_factory=dict)
    staff_hours: dict[tuple[int, int], Span] = field(default_factory=dict)  # (clinician, weekday)
    opening: dict[int, Span] = field(default_factory=dict)  # weekday
    closures: list[Closure] = field(default_factory=list)
    leave: list[tuple[int, datetime.date, datetime.date, str]] = field(default_factory=list)
    resources: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, kind

    def closure_on(self, day: datetime.date) -> Closure | None:
        return next((c for c in self.closures if c.starts_on <= day <= c.ends_on), None)

    def leave_on(self, clinician_id: int, day: datetime.date) -> tuple | None:
        return next((x for x in self.leave if x[0] == clinician_id and x[1] <= day <= x[2]), None)


def calendar_frame(*, location, first: datetime.date, last: datetime.date) -> Frame:
    english = (get_language() or "ru").startswith("en")
    with connection.cursor() as cursor:
        cursor.execute(
            FRAME_SQL.format(kind_name="name_en" if english else "name_ru"),
            {"location": location.pk, "first": first, "last": last},
        )
        rows = cursor.fetchall()
    frame = Frame()
    for kind, pk, text, text2, text3, weekday, t_from, t_to, d_from, d_to in rows:
        if kind == "clinician":
            frame.clinicians[pk] = f"{text} {text2}".strip() or text3
        elif kind == "hours":
            frame.staff_hours[(pk, weekday)] = (minutes(t_from), minutes(t_to))
        elif kind == "open":
            frame.opening[weekday] = (minutes(t_from), minutes(t_to))
        elif kind == "closure":
            frame.closures.append(Closure(pk=pk, location_id=location.pk, starts_on=d_from, ends_on=d_to, reason=text))
        elif kind == "leave":
            frame.leave.append((pk, d_from, d_to, text))
        else:
            frame.resources.append((pk, text, text2))
    frame.resources.sort(key=lambda r: (r[2], r[1]))
    return frame


@dataclass
class GridColumn:
    id: int
    title: str
    free: list[dict] = field(default_factory=list)  # per day: {"day", "gaps": [(from, to), ...]}


def _columns(frame: Frame, entries, by: str) -> list[GridColumn]:
    if by == "room":
        found = {pk: f"{name}" for pk, name, _kind in frame.resources}
        for entry in entries:
            for pk, name in entry.rooms:
                found.setdefault(pk, name)
        order = [pk for pk, _n, _k in frame.resources] + sorted(set(found) - {r[0] for r in frame.resources})
        return [GridColumn(pk, found[pk]) for pk in order]
    found = dict(frame.clinicians)
    for entry in entries:
        found.setdefault(entry.clinician_id, entry.clinician)
    return [GridColumn(pk, title) for pk, title in sorted(found.items(), key=lambda item: item[1])]


def _keys(entry, by: str) -> list[int]:
    return [pk for pk, _name in entry.rooms] if by == "room" else [entry.clinician_id]


def _working(frame: Frame, column: GridColumn, day: datetime.date, by: str) -> tuple[Span | None, str, str]:
    """A column's working time on a day, and (when none) why: the class and text of its shading."""
    closure = frame.closure_on(day)
    if closure is not None:
        return None, "ec-closed", _("Closed: %(reason)s") % {"reason": closure.reason}
    opening = frame.opening.get(day.weekday())
    if by == "room":
        return opening, "ec-off", ""
    leave = frame.leave_on(column.id, day)
    if leave is not None:
        return None, "ec-leave", (_("Leave: %(reason)s") % {"reason": leave[3]} if leave[3] else _("Leave"))
    return intersect(opening, frame.staff_hours.get((column.id, day.weekday()))), "ec-off", ""


def _passed(day: datetime.date, now: datetime.datetime) -> int:
    """Minutes of `day` that have passed by `now`: none ahead, all of a day gone."""
    if day > now.date():
        return 0
    return 24 * 60 if day < now.date() else minutes(now.time()) + 1


def _at(day: datetime.date, value: int) -> str:
    if value >= 24 * 60:
        return f"{day + datetime.timedelta(days=1)}T00:00:00"
    return f"{day}T{clock(value)}:00"


def grid_data(
    *, frame: Frame, entries, days: list[datetime.date], by: str, warnings: dict, now: datetime.datetime
) -> dict:
    """Resources, events and background events for the grid; the columns' free gaps for the lists.

    `now` (in the location's zone): time before it is not offered as free."""
    columns = _columns(frame, entries, by)
    spans = [s for d in days for s in [frame.opening.get(d.weekday())] if s]
    spans += [(minutes(e.start), max(minutes(e.end), minutes(e.start) + 15)) for e in entries]
    hours = frame_of(spans)
    busy: dict[tuple[int, datetime.date], list[Span]] = {}
    for entry in entries:
        for key in _keys(entry, by):
            busy.setdefault((key, entry.day), []).append((minutes(entry.start), minutes(entry.end) or 24 * 60))
    background = []
    for column in columns:
        for day in days:
            working, css, text = _working(frame, column, day, by)
            for start, end in out_of_hours(working, hours):
                background.append(_background(column.id, day, start, end, css, text))
            gaps = free_gaps(working, busy.get((column.id, day), []), not_before=_passed(day, now))
            for start, end in gaps:
                background.append(_background(column.id, day, start, end, "ec-free", ""))
            column.free.append({"day": day, "gaps": [(clock(a), clock(b)) for a, b in gaps]})
    course_url = reverse("scheduling:course", args=[0])[:-2]
    place = _("session %(n)s of %(of)s")  # translated once: a busy day has hundreds of sessions
    events = [_event(entry, by, course_url, place, warnings.get(entry.id, [])) for entry in entries]
    return {
        "columns": columns,
        "hours": (clock(hours[0]), clock(hours[1])),
        "resources": [{"id": c.id, "title": c.title} for c in columns],
        "events": events + background,
    }


def _background(resource_id: int, day: datetime.date, start: int, end: int, css: str, text: str) -> dict:
    out = {
        "resourceIds": [resource_id],
        "start": _at(day, start),
        "end": _at(day, end),
        "display": "background",
        "classNames": [css],
    }
    if text:
        out["title"] = text
    return out


def _event(entry, by: str, course_url: str, place: str, flagged: list) -> dict:
    classes = ["ec-session", f"ec-{entry.status}"] + (["ec-flagged"] if flagged else [])
    return {
        "id": entry.id,
        "resourceIds": _keys(entry, by),
        "start": f"{entry.day}T{entry.start}:00",
        "end": f"{entry.day}T{entry.end}:00" if entry.end > entry.start else _at(entry.day, 24 * 60),
        "title": entry.patient,
        "classNames": classes,
        "editable": entry.status == SessionStatus.SCHEDULED,
        "extendedProps": {
            "procedure": entry.procedure,
            "clinician": entry.clinician,
            "place": place % {"n": entry.number, "of": entry.of} if entry.number else "",
            "rooms": ", ".join(name for _pk, name in entry.rooms),
            "url": f"{course_url}{entry.course_id}/",
            "time": f"{entry.start}–{entry.end}",
            "warnings": [str(w.text) for w in flagged],
        },
    }

"""The six reports: each runs one aggregating statement (reports.sql) and shapes its rows into tables.

A report is a list of tables; a table names its columns (key, label, kind) and holds plain rows, so
the page, the CSV and XLSX exports and the API all show the same numbers. Python here only renames
and totals the few aggregated rows a statement returns; it never walks sessions.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from procedures.models import Procedure

from . import sql
from .filters import ReportFilter

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # text, int, date, percent, money, choice (a code, shown by its label)
    choices: dict | None = None  # choice: code -> label

    def shown(self, value):
        """The value as a person reads it (a choice's label); the API keeps the code."""
        return str(self.choices[value]) if self.kind == "choice" and value in self.choices else value


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    chart_label: str | None = None  # the column naming a bar
    chart_value: str | None = None  # the column a bar is long by
    chart: object = None  # the page's drawing of it (reports.charts.Chart), set by the view


@dataclass
class Report:
    name: str
    title: str
    note: str
    tables: list[Table]


def _fetch(statement: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _procedure_names(ids) -> dict:
    language = get_language()
    return {p.pk: p.name_for(language) for p in Procedure.objects.filter(pk__in=[i for i in ids if i])}


KIND_LABELS = {"clinician": _("clinician"), "resource": _("room or device")}

# Each report's tables and their columns (key, label, kind): the page, the exports and the API schema.
PERIOD_HEAD = [
    Column("kind", _("Who or what"), "choice", KIND_LABELS),
    Column("name", _("Name"), "text"),
    Column("location", _("Location"), "text"),
]
MINUTES = [
    Column("booked_minutes", _("Booked, min"), "int"),
    Column("available_minutes", _("Available, min"), "int"),
    Column("utilisation", _("Utilisation, %"), "percent"),
]
COLUMNS: dict[str, dict[str, list[Column]]] = {
    "utilisation": {
        "totals": PERIOD_HEAD + MINUTES,
        "periods": [*PERIOD_HEAD, Column("period", _("Day or week from"), "date"), *MINUTES],
    },
    "attendance": {
        "clinicians": [
            Column("name", _("Clinician"), "text"),
            Column("location", _("Location"), "text"),
            Column("booked", _("Sessions booked"), "int"),
            Column("completed", pgettext_lazy("report column", "Done"), "int"),
            Column("no_show", _("No-shows"), "int"),
            Column("cancelled", pgettext_lazy("report column", "Cancelled"), "int"),
            Column("late_cancelled", _("Cancelled late"), "int"),
            Column("scheduled", _("Still scheduled"), "int"),
            Column("no_show_rate", _("No-show rate, %"), "percent"),
            Column("late_cancellation_rate", _("Late cancellation rate, %"), "percent"),
        ]
    },
    "completion": {
        "courses": [
            Column("location", _("Location"), "text"),
            Column("procedure", _("Procedure"), "text"),
            Column("started", _("Started"), "int"),
            Column("active", _("Still going"), "int"),
            Column("completed", pgettext_lazy("report column", "Completed"), "int"),
            Column("abandoned", _("Abandoned"), "int"),
            Column("cancelled_unstarted", _("Cancelled before the first session was done"), "int"),
            Column("completion_rate", _("Completed, %"), "percent"),
        ],
        "stopped": [
            Column("sessions_done", _("Sessions done"), "int"),
            Column("courses", _("Courses"), "int"),
            Column("share", _("Share, %"), "percent"),
        ],
    },
    "patients": {
        "locations": [
            Column("location", _("Location"), "text"),
            Column("new", _("New (first course)"), "int"),
            Column("returning", _("Returning (an earlier course)"), "int"),
            Column("new_share", _("New, %"), "percent"),
        ]
    },
    "revenue": {
        "procedures": [
            Column("location", _("Location"), "text"),
            Column("procedure", _("Procedure"), "text"),
            Column("courses", _("Courses booked"), "int"),
            Column("booked_value", _("Value of the courses booked"), "money"),
            Column("delivered_value", _("Value of the sessions done"), "money"),
            Column("scheduled_value", _("Value of the sessions still scheduled"), "money"),
        ]
    },
    "requests": {
        "procedures": [
            Column("procedure", _("Procedure"), "text"),
            Column("requests", _("Requests"), "int"),
            Column("open", _("Not handled yet"), "int"),
            Column("handled", _("Handled"), "int"),
            Column("dismissed", _("Dismissed"), "int"),
            Column("became_courses", _("Became a course"), "int"),
            Column("conversion", _("Became a course, %"), "percent"),
        ]
    },
}


# --- 1. Utilisation ---------------------------------------------------------------------------------


def utilisation(f: ReportFilter) -> Report:
    statement = sql.UTILISATION.replace("{period}", sql.PERIODS[f.period])
    rows = _fetch(statement, f.params())
    names = {loc.pk: loc.name for loc in f.locations}
    totals: dict[tuple, dict] = {}
    periods = []
    for r in rows:
        base = {"kind": r["kind"], "name": r["name"], "location": names[r["location_id"]]}
        periods.append(
            base | {"period": r["period"], "booked_minutes": r["booked"], "available_minutes": r["available"]}
        )
        total = totals.setdefault((r["kind"], r["entity_id"], r["location_id"]), base | {"booked": 0, "available": 0})
        total["booked"] += r["booked"]
        total["available"] += r["available"]
    for row in periods:
        row["utilisation"] = _percent(row["booked_minutes"], row["available_minutes"])
    entities = [
        {
            "kind": t["kind"],
            "name": t["name"],
            "location": t["location"],
            "booked_minutes": t["booked"],
            "available_minutes": t["available"],
            "utilisation": _percent(t["booked"], t["available"]),
        }
        for t in totals.values()
    ]
    return Report(
        "utilisation",
        _("Utilisation"),
        _(
            "Booked minutes (sessions scheduled or done) over available minutes: a clinician's working "
            "hours within the opening hours, less leave and closures; a room or device: the opening hours, "
            "less closures."
        ),
        [
            Table(
                "totals", _("Over the whole range"), COLUMNS["utilisation"]["totals"], entities, "name", "utilisation"
            ),
            Table(
                "periods",
                _("By week") if f.period == "week" else _("By day"),
                COLUMNS["utilisation"]["periods"],
                periods,
            ),
        ],
    )


# --- 2. No-shows and late cancellations --------------------------------------------------------------


def attendance(f: ReportFilter) -> Report:
    rows = _fetch(sql.ATTENDANCE, f.params() | {"notice_hours": settings.CANCEL_NOTICE_HOURS})
    names = {loc.pk: loc.name for loc in f.locations}
    keys = ("booked", "completed", "no_show", "cancelled", "late_cancelled", "scheduled")
    out, total = [], dict.fromkeys(keys, 0)
    for r in rows:
        out.append({"name": r["name"], "location": names[r["location_id"]]} | {k: r[k] for k in keys})
        for k in keys:
            total[k] += r[k]
    if out:
        out.append({"name": str(_("All clinicians")), "location": ""} | total)
    for row in out:
        row["no_show_rate"] = _percent(row["no_show"], row["completed"] + row["no_show"])
        row["late_cancellation_rate"] = _percent(row["late_cancelled"], row["booked"])
    return Report(
        "attendance",
        _("No-shows and late cancellations"),
        _(
            "Sessions booked to start in the range. No-show rate: no-shows among the sessions whose outcome is "
            "recorded. Late: cancelled less than %(hours)s hours before the start."
        )
        % {"hours": settings.CANCEL_NOTICE_HOURS},
        [Table("clinicians", _("By clinician"), COLUMNS["attendance"]["clinicians"], out, "name", "no_show_rate")],
    )


# --- 3. Course completion ----------------------------------------------------------------------------


def completion(f: ReportFilter) -> Report:
    rows = _fetch(sql.COMPLETION, f.params())
    names, procedures = {loc.pk: loc.name for loc in f.locations}, _procedure_names(r["procedure_id"] for r in rows)
    groups: dict[tuple, dict] = {}
    stopped: dict[int, int] = defaultdict(int)
    for r in rows:
        group = groups.setdefault(
            (r["location_id"], r["procedure_id"]),
            {
                "location": names[r["location_id"]],
                "procedure": procedures.get(r["procedure_id"], ""),
                "started": 0,
                "active": 0,
                "completed": 0,
                "abandoned": 0,
                "cancelled_unstarted": 0,
            },
        )
        group["started"] += r["courses"]
        if r["status"] == "active":
            group["active"] += r["courses"]
        elif r["status"] == "completed":
            group["completed"] += r["courses"]
        elif r["delivered"]:
            group["abandoned"] += r["courses"]
            stopped[r["delivered"]] += r["courses"]
        else:
            group["cancelled_unstarted"] += r["courses"]
    for group in groups.values():
        group["completion_rate"] = _percent(group["completed"], group["started"])
    abandoned = sum(stopped.values())
    distribution = [
        {"sessions_done": n, "courses": stopped[n], "share": _percent(stopped[n], abandoned)} for n in sorted(stopped)
    ]
    return Report(
        "completion",
        _("Course completion"),
        _("Courses whose first session falls in the range. Abandoned: cancelled after at least one session was done."),
        [
            Table(
                "courses",
                _("Courses that started in the range"),
                COLUMNS["completion"]["courses"],
                list(groups.values()),
                "procedure",
                "completion_rate",
            ),
            Table(
                "stopped",
                _("Abandoned courses: sessions done before they stopped"),
                COLUMNS["completion"]["stopped"],
                distribution,
                "sessions_done",
                "courses",
            ),
        ],
    )


# --- 4. New and returning patients -------------------------------------------------------------------


def patients(f: ReportFilter) -> Report:
    rows = _fetch(sql.PATIENTS, f.params())
    names = {loc.pk: loc.name for loc in f.locations}
    out = [
        {"location": names[r["location_id"]], "new": r["new_patients"], "returning": r["returning_patients"]}
        for r in rows
    ]
    for row in out:
        row["new_share"] = _percent(row["new"], row["new"] + row["returning"])
    return Report(
        "patients",
        _("New and returning patients"),
        _(
            "New: the patient's first course. Returning: the patient had a session of an earlier course, "
            "at any location."
        ),
        [
            Table(
                "locations",
                _("Patients whose course started in the range"),
                COLUMNS["patients"]["locations"],
                out,
                "location",
                "new",
            )
        ],
    )


# --- 5. Revenue --------------------------------------------------------------------------------------


def revenue(f: ReportFilter) -> Report:
    """Booked value (prices of courses and sessions). Payments and refunds: when billing records them."""
    rows = _fetch(sql.REVENUE, f.params())
    names, procedures = {loc.pk: loc.name for loc in f.locations}, _procedure_names(r["procedure_id"] for r in rows)
    out = [
        {
            "location": names[r["location_id"]],
            "procedure": procedures.get(r["procedure_id"], ""),
            "courses": r["courses"],
            "booked_value": _money(r["booked_value"]),
            "delivered_value": _money(r["delivered_value"]),
            "scheduled_value": _money(r["scheduled_value"]),
        }
        for r in rows
    ]
    return Report(
        "revenue",
        _("Revenue (booked value)"),
        _(
            "Booked value until payments are recorded: courses at their price; sessions at the course's price "
            "after the discount divided by its sessions."
        ),
        [
            Table(
                "procedures",
                _("By location and procedure"),
                COLUMNS["revenue"]["procedures"],
                out,
                "procedure",
                "booked_value",
            )
        ],
    )


# --- 6. Website requests -----------------------------------------------------------------------------


def _bounds(f: ReportFilter) -> tuple[datetime.datetime, datetime.datetime]:
    tz = f.locations[0].tz
    begin = datetime.datetime.combine(f.first, datetime.time.min, tzinfo=tz)
    return begin, datetime.datetime.combine(f.last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def requests(f: ReportFilter) -> Report:
    begin, end = _bounds(f)
    rows = _fetch(sql.REQUESTS, f.params() | {"begin_at": begin, "end_at": end})
    procedures = _procedure_names(r["procedure_id"] for r in rows)
    keys = ("requests", "open", "handled", "dismissed", "became_courses")
    out = [
        {"procedure": procedures.get(r["procedure_id"], str(_("not named")))} | {k: r[k] for k in keys} for r in rows
    ]
    for row in out:
        row["conversion"] = _percent(row["became_courses"], row["requests"])
    return Report(
        "requests",
        _("Website requests"),
        _(
            "Requests left on the website in the range. Became a course: its patient has a course at these "
            "locations booked after the request."
        ),
        [
            Table(
                "procedures",
                _("By the procedure asked for"),
                COLUMNS["requests"]["procedures"],
                out,
                "procedure",
                "requests",
            )
        ],
    )


REPORTS = {
    "utilisation": utilisation,
    "attendance": attendance,
    "completion": completion,
    "patients": patients,
    "revenue": revenue,
    "requests": requests,
}


def report_build(name: str, f: ReportFilter) -> Report:
    return REPORTS[name](f)

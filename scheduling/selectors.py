"""Reads for the course page, calendars, the worklist and the free-slot finder."""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection
from django.db.models import Min, OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.locations import location_ids_of
from core.dates import short_date
from core.policy import require
from procedures.eligibility import clinical_facts_from_json, clinical_facts_sql, eligibility, load_clinical_facts_bulk
from procedures.rules import BOOKING, CONSENT_CODES, SESSION

from .availability import load_availability
from .models import ACTIVE_STATUSES, Closure, Course, ResourceBooking, Session, SessionNote, SessionStatus
from .planner import Rules, _candidate_starts, check_slot, closed_reason, spacing_problems
from .progress import session_places


def after_colon(sentence: str) -> str:
    """A reason written as a sentence, to follow a colon: its first letter small, unless it starts an
    abbreviation ("ПРП", "UV") — «Допуска больше нет: холодовая проба не пройдена»."""
    if len(sentence) > 1 and sentence[0].isupper() and not sentence[1].isupper():
        return sentence[0].lower() + sentence[1:]
    return sentence


def _sessions_with_details(queryset):
    bookings = ResourceBooking.objects.select_related("resource").order_by("resource__name")
    # The session note's newest version, if any, in the same query.
    note = SessionNote.objects.filter(session=OuterRef("pk")).order_by("-version").values("pk")[:1]
    return (
        queryset.select_related("clinician", "patient", "course__procedure")
        .annotate(note_id=Subquery(note))
        .prefetch_related(Prefetch("bookings", queryset=bookings))
    )


def _dispatches():
    """The reminders app's Dispatch, reached through the relation (that app is above this one)."""
    return Session._meta.get_field("dispatches").related_model.objects.all()


def course_with_sessions(course_id: int) -> tuple[Course, list[Session]]:
    course = Course.objects.select_related("patient", "procedure", "location", "created_by").get(pk=course_id)
    sessions = list(
        _sessions_with_details(course.sessions.order_by("start")).prefetch_related(
            # In their own order (due, channel): the reminders app is above this one. A waiting-list
            # offer filed under a freed session went to another patient: not on this course's page.
            Prefetch("dispatches", queryset=_dispatches().filter(offer__isnull=True))
        )
    )
    places = session_places(sessions)
    replaced = {s.replaces_id for s in sessions if s.replaces_id}
    for session in sessions:
        session.is_replaced = session.pk in replaced
        session.number = places.get(session.pk)
    return course, sessions


@dataclass
class CalendarColumn:
    key: int
    title: str
    sessions: list


@dataclass(slots=True)
class CalendarEntry:
    """One session as a calendar shows it: plain values, already in the location's time zone."""

    id: int
    course_id: int
    day: datetime.date
    start: str
    end: str
    patient: str
    procedure: str
    clinician_id: int
    clinician: str
    rooms: list
    start_at: datetime.datetime
    end_at: datetime.datetime
    patient_id: int
    procedure_slug: str
    status: str
    sequence: int
    # What the eligibility rule needs of the procedure, and the course's first session (see booking_warnings).
    rule: object = None
    course_first_start: datetime.datetime | None = None
    number: int | None = None  # "session n of m" (scheduling.progress's rule, in the query)
    of: int = 0
    facts: str | None = None  # the patient's clinical facts, when asked for (procedures.eligibility's JSON)


CALENDAR_SQL = """
SELECT s.id, s.course_id, s.start, s."end", p.full_name, pr.{procedure_name} AS procedure_name, s.clinician_id,
       u.first_name, u.last_name, u.username, s.patient_id, pr.slug, s.status, s.sequence,
       (s.start AT TIME ZONE %(tz)s)::date AS local_day, to_char(s.start AT TIME ZONE %(tz)s, 'HH24:MI') AS local_start,
       to_char(s."end" AT TIME ZONE %(tz)s, 'HH24:MI') AS local_end, r.id AS room_id, r.name AS room_name,
       pr.id AS procedure_id, pr.active, pr.requires_ice_test, pr.screening_valid_days, pr.ice_test_valid_days,
       pr.ice_test_min_hours_before, pr.records_cover_course,
       (SELECT min(f.start) FROM scheduling_session f
         WHERE f.course_id = s.course_id AND f.status = ANY(%(statuses)s)) AS course_first_start,
       (SELECT count(*) FROM scheduling_session n
         WHERE n.course_id = s.course_id AND n.status = ANY(%(statuses)s) AND n.start <= s.start) AS place,
       c.session_count
FROM scheduling_session s
JOIN scheduling_course c ON c.id = s.course_id
JOIN procedures_procedure pr ON pr.id = c.procedure_id
JOIN patients_patient p ON p.id = s.patient_id
JOIN accounts_user u ON u.id = s.clinician_id
LEFT JOIN scheduling_resourcebooking b ON b.session_id = s.id AND b.active
LEFT JOIN scheduling_resource r ON r.id = b.resource_id
WHERE s.location_id = %(location)s AND s.start >= %(begin)s AND s.start < %(end)s AND s.status = ANY(%(statuses)s)
"""
# With the patients' clinical facts (procedures.eligibility), read once per patient, not per room row.
CALENDAR_WITH_FACTS_SQL = """
WITH day AS MATERIALIZED ({sessions})
SELECT day.*, f.facts FROM day LEFT JOIN ({facts}) AS f ON f.patient_id = day.patient_id
ORDER BY day.start, day.id, day.room_name
"""


def _rule(name, values):
    """The procedure's eligibility settings, as procedures.eligibility reads them."""
    keys = ("id", "active", "requires_ice_test", "screening_valid_days", "ice_test_valid_days")
    keys += ("ice_test_min_hours_before", "records_cover_course")
    return SimpleNamespace(name=name, **dict(zip(keys, values, strict=True)))


def calendar(*, location, day: datetime.date, view: str = "day", by: str = "clinician", facts: bool = False):
    """Sessions of a location for a day or a week, grouped by clinician or by room: one query.

    Plain values rather than model instances: a busy day has hundreds of sessions, and building
    four model objects for each costs more than the queries. With `facts`, each entry also carries
    its patient's clinical facts, read in the same query, for calendar_warnings.
    """
    days = 7 if view == "week" else 1
    first = day - datetime.timedelta(days=day.weekday()) if view == "week" else day
    entries = _calendar_entries(_calendar_rows(location, first, days, facts), facts)
    return {
        "first": first,
        "days": [first + datetime.timedelta(days=i) for i in range(days)],
        "columns": _calendar_columns(entries, by),
        "sessions": entries,
    }


def _calendar_rows(location, first: datetime.date, days: int, facts: bool) -> list[tuple]:
    """One plain SQL query: local day and clock times come from PostgreSQL (cheaper than converting
    hundreds of datetimes here), which the ORM could only express with raw annotations anyway."""
    begin = datetime.datetime.combine(first, datetime.time.min, tzinfo=location.tz)
    english = (get_language() or "ru").startswith("en")
    sessions = CALENDAR_SQL.format(procedure_name="name_en" if english else "name_ru")
    if facts:
        ids = "ARRAY(SELECT DISTINCT patient_id FROM day)"
        sql = CALENDAR_WITH_FACTS_SQL.format(sessions=sessions, facts=clinical_facts_sql(ids, english=english))
    else:
        sql = f"{sessions}ORDER BY start, id, room_name"
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "location": location.pk,
                "begin": begin,
                "end": begin + datetime.timedelta(days=days),
                "tz": location.time_zone,
                "statuses": list(ACTIVE_STATUSES),
            },
        )
        return cursor.fetchall()


def _calendar_entries(rows, facts: bool) -> list[CalendarEntry]:
    """One row per (session, room): a session with a room and a dewar comes twice, in room order."""
    entries: list[CalendarEntry] = []
    for row in rows:
        sid, course_id, start, stop, patient, procedure, cid, first_name, last_name, username = row[:10]
        patient_id, slug, status, sequence, local_day, local_start, local_end, room_id, room_name = row[10:19]
        *rule, first_start, place, of = row[19:29]
        if not entries or entries[-1].id != sid:
            name = f"{first_name} {last_name}".strip() or username
            entries.append(
                CalendarEntry(
                    sid, course_id, local_day, local_start, local_end, patient, procedure, cid, name, [], start,
                    stop, patient_id, slug, status, sequence, _rule(procedure, rule), first_start, place, of,
                    row[29] if facts else None,
                )
            )  # fmt: skip
        if room_id is not None:
            entries[-1].rooms.append((room_id, room_name))
    return entries


def _calendar_columns(entries, by: str) -> list[CalendarColumn]:
    columns: OrderedDict[int, CalendarColumn] = OrderedDict()
    for entry in entries:
        keys = entry.rooms if by == "room" else [(entry.clinician_id, entry.clinician)]
        for key, title in keys:
            columns.setdefault(key, CalendarColumn(key, title, [])).sessions.append(entry)
    return sorted(columns.values(), key=lambda c: c.title)


def worklist(*, clinician, day: datetime.date, tz):
    """A clinician's sessions of the day, each flagged when the patient is no longer eligible."""
    sessions = list(
        _sessions_with_details(
            Session.objects.filter(clinician=clinician, status__in=(*ACTIVE_STATUSES, SessionStatus.NO_SHOW))
            .on_local_day(day, tz)
            .order_by("start")
        )
    )
    warnings = session_warnings(sessions, tz, stage=SESSION, cautions=True)
    for session in sessions:
        found = warnings.get(session.pk, [])
        session.flags = [w for w in found if not w.caution]
        session.cautions = [w for w in found if w.caution]
    return sessions


def free_slots(*, location, procedure, day: datetime.date, limit: int = 40):
    """Free starting times on a day for a procedure, with the clinician and rooms that would take it."""
    av = load_availability(location=location, procedure=procedure, patient_id=None, first_day=day, last_day=day)
    closed = closed_reason(av, day)
    if closed:
        return [], closed
    rules = Rules.of(procedure)
    found = []
    names = {r.id: r.name for rs in av.resources_by_kind.values() for r in rs}
    for start in _candidate_starts(av, day, rules.duration, None, None):
        for clinician_id in sorted(av.clinicians):
            _stage, why, resources = check_slot(av, start, start + rules.duration, clinician_id)
            if why is None:
                found.append(
                    {
                        "start": start,
                        "clinician": av.clinicians[clinician_id].name,
                        "clinician_id": clinician_id,
                        "resources": [names[r] for r in resources],
                    }
                )
                break
        if len(found) >= limit:
            break
    return found, ""


@dataclass
class Warning:
    text: str
    url: str = ""
    caution: bool = False  # something to know (a darker phototype), not something to fix


@dataclass
class _Row:
    id: int
    patient_id: int
    course_id: int
    location_id: int
    start: datetime.datetime
    procedure: object
    course_first_start: datetime.datetime | None = None


def session_warnings(sessions, tz, *, stage: str = BOOKING, cautions: bool = False) -> dict[int, list[Warning]]:
    """Scheduled sessions that can no longer happen as booked (see booking_warnings). With
    stage=SESSION (the worklist, the course page) a consent needed before the first session counts too."""
    rows = [
        _Row(s.pk, s.patient_id, s.course_id, s.location_id, s.start, s.course.procedure)
        for s in sessions
        if s.status == SessionStatus.SCHEDULED
    ]
    return booking_warnings(rows, tz, stage=stage, cautions=cautions)


def calendar_warnings(entries, location, closures=None) -> dict[int, list[Warning]]:
    """The same warnings for a calendar's plain entries, which carry the procedure's rule already
    (and `closures`, the location's closures of the days shown, when the caller has read them; the
    patients' clinical facts when read with calendar(facts=True): then no query at all)."""
    scheduled = [e for e in entries if e.status == SessionStatus.SCHEDULED]
    rows = [
        _Row(e.id, e.patient_id, e.course_id, location.pk, e.start_at, e.rule, e.course_first_start) for e in scheduled
    ]
    read = all(e.facts is not None for e in scheduled)
    facts = clinical_facts_from_json({e.patient_id: e.facts for e in scheduled}) if read else None
    return booking_warnings(rows, location.tz, closures, facts=facts)


def booking_warnings(
    rows: list[_Row], tz, closures=None, *, stage: str = BOOKING, cautions: bool = False, facts=None
) -> dict[int, list[Warning]]:
    """Sessions whose patient is no longer eligible, or whose day has become a closure; with
    `cautions`, also the eligibility's non-blocking warnings (Warning.caution: a darker phototype).
    `facts`: the patients' clinical facts by id, when the caller has them (else read here).

    In a fixed number of queries, whatever the number of sessions.
    """

    if not rows:
        return {}
    if facts is None:
        facts = load_clinical_facts_bulk({r.patient_id for r in rows})
    missing = {r.course_id for r in rows if r.course_first_start is None}
    firsts = dict(
        Session.objects.filter(course_id__in=missing, status__in=ACTIVE_STATUSES)
        .values("course_id")
        .annotate(first=Min("start"))
        .values_list("course_id", "first")
        if missing
        else []
    )
    firsts.update({r.course_id: r.course_first_start for r in rows if r.course_first_start is not None})
    days = [r.start.astimezone(tz).date() for r in rows]
    if closures is None:
        closures = list(
            Closure.objects.filter(
                location_id__in={r.location_id for r in rows}, starts_on__lte=max(days), ends_on__gte=min(days)
            )
        )
    out: dict[int, list[Warning]] = {}
    # Reversed and translated once, not once per warning: a calendar has hundreds.
    patient_url = reverse("patient-detail", args=[0])[:-2]
    ineligible, on_closure = _("No longer eligible: %(reason)s"), _("Falls on a closure: %(reason)s")
    for row, day in zip(rows, days, strict=True):
        decision = eligibility(
            patient=None,
            procedure=row.procedure,
            when=row.start,
            facts=facts[row.patient_id],
            tz=tz,
            valid_at=firsts.get(row.course_id) if row.procedure.records_cover_course else None,
            stage=stage,
        )
        found = [
            Warning(
                r.message if r.code in CONSENT_CODES else ineligible % {"reason": after_colon(r.message)},
                f"{patient_url}{row.patient_id}/",
            )
            for r in decision.reasons
        ]
        if cautions:
            found += [Warning(w.message, f"{patient_url}{row.patient_id}/", caution=True) for w in decision.warnings]
        found += [
            Warning(on_closure % {"reason": c.reason}, reverse("scheduling:closure", args=[c.pk]))
            for c in closures
            if c.location_id == row.location_id and c.starts_on <= day <= c.ends_on
        ]
        if found:
            out[row.id] = found
    return out


def course_warnings(course, sessions) -> list[Warning]:
    """What a registrar should fix on a course page: sessions that cannot happen, gaps out of range,
    a first session after the healing phase; then, once each, what the clinician should know
    (Warning.caution: a darker phototype), the same for every session."""
    tz = course.location.tz
    found = session_warnings(sessions, tz, stage=SESSION, cautions=True)
    per_session = {pk: [w for w in ws if not w.caution] for pk, ws in found.items()}
    warnings = [
        Warning(
            _("Session %(n)d (%(when)s): %(what)s")
            % {"n": s.number, "when": short_date(s.start.astimezone(tz)), "what": w.text},
            w.url,
        )
        for s in sessions
        for w in per_session.get(s.pk, [])
    ]
    active = [s for s in sessions if s.number]
    rules = Rules.of(course.procedure)
    warnings += [Warning(p) for p in spacing_problems(tz, rules, [s.start for s in active], [s.number for s in active])]
    if course.healing_phase_until and active and active[0].start.astimezone(tz).date() > course.healing_phase_until:
        warnings.append(Warning(_("The first session is after the healing phase of the treatment it follows.")))
    cautions = {w.text: w for ws in found.values() for w in ws if w.caution}
    warnings += list(cautions.values())
    for session in sessions:
        session.warnings = per_session.get(session.pk, [])
    return warnings


def course_get_for_user(user, pk, *, action: str = "booking.view") -> Course:
    """The course if the user may do `action` and works at its location; 403 without the role, else 404."""
    require(user, action)
    courses = Course.objects.filter(location_id__in=location_ids_of(user))
    return get_object_or_404(courses.select_related("location", "procedure"), pk=pk)


def session_get_for_user(user, pk, *, action: str) -> Session:
    """The session if the user may do `action` and works at its course's location; else 403 or 404."""
    require(user, action)
    sessions = Session.objects.filter(course__location_id__in=location_ids_of(user))
    return get_object_or_404(
        sessions.select_related("course__procedure", "course__location", "location", "patient"), pk=pk
    )

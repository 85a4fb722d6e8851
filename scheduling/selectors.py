"""Reads for the course page, calendars, the worklist and the free-slot finder."""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language

from accounts.locations import location_ids_of
from accounts.policy import require
from procedures.eligibility import eligibility, load_clinical_facts_bulk

from .availability import load_availability
from .models import ACTIVE_STATUSES, Course, Dispatch, ResourceBooking, Session, SessionStatus
from .planner import Rules, _candidate_starts, check_slot, closed_reason


def _sessions_with_details(queryset):
    bookings = ResourceBooking.objects.select_related("resource").order_by("resource__name")
    return queryset.select_related("clinician", "patient", "course__procedure").prefetch_related(
        Prefetch("bookings", queryset=bookings)
    )


def course_with_sessions(course_id: int) -> tuple[Course, list[Session]]:
    course = Course.objects.select_related("patient", "procedure", "location", "created_by").get(pk=course_id)
    sessions = list(
        _sessions_with_details(course.sessions.order_by("start")).prefetch_related(
            Prefetch("dispatches", queryset=Dispatch.objects.order_by("due_at", "channel"))
        )
    )
    number = 0
    replaced = {s.replaces_id for s in sessions if s.replaces_id}
    for session in sessions:
        session.is_replaced = session.pk in replaced
        if session.status in ACTIVE_STATUSES:
            number += 1
            session.number = number
        else:
            session.number = None
    return course, sessions


def course_progress(course: Course, sessions: list[Session]) -> dict:
    done = sum(s.status == SessionStatus.COMPLETED for s in sessions)
    return {
        "done": done,
        "total": course.session_count,
        "percent": round(100 * done / course.session_count) if course.session_count else 0,
    }


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


CALENDAR_SQL = """
SELECT s.id, s.course_id, s.start, s."end", p.full_name, pr.{procedure_name}, s.clinician_id, u.first_name,
       u.last_name, u.username, s.patient_id, pr.slug, s.status, s.sequence,
       (s.start AT TIME ZONE %(tz)s)::date, to_char(s.start AT TIME ZONE %(tz)s, 'HH24:MI'),
       to_char(s."end" AT TIME ZONE %(tz)s, 'HH24:MI'), r.id, r.name
FROM scheduling_session s
JOIN scheduling_course c ON c.id = s.course_id
JOIN procedures_procedure pr ON pr.id = c.procedure_id
JOIN patients_patient p ON p.id = s.patient_id
JOIN accounts_user u ON u.id = s.clinician_id
LEFT JOIN scheduling_resourcebooking b ON b.session_id = s.id AND b.active
LEFT JOIN scheduling_resource r ON r.id = b.resource_id
WHERE s.location_id = %(location)s AND s.start >= %(begin)s AND s.start < %(end)s AND s.status = ANY(%(statuses)s)
ORDER BY s.start, s.id, r.name
"""


def calendar(*, location, day: datetime.date, view: str = "day", by: str = "clinician"):
    """Sessions of a location for a day or a week, grouped by clinician or by room: one query.

    Plain values rather than model instances: a busy day has hundreds of sessions, and building
    four model objects for each costs more than the queries.
    """
    days = 7 if view == "week" else 1
    first = day - datetime.timedelta(days=day.weekday()) if view == "week" else day
    tz = location.tz
    begin = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = begin + datetime.timedelta(days=days)
    english = (get_language() or "ru").startswith("en")
    # One plain SQL query: local day and clock times come from PostgreSQL (cheaper than converting
    # hundreds of datetimes here), which the ORM could only express with raw annotations anyway.
    with connection.cursor() as cursor:
        cursor.execute(
            CALENDAR_SQL.format(procedure_name="name_en" if english else "name_ru"),
            {
                "location": location.pk,
                "begin": begin,
                "end": end,
                "tz": location.time_zone,
                "statuses": list(ACTIVE_STATUSES),
            },
        )
        rows = cursor.fetchall()
    # One row per (session, room): a session with a room and a dewar comes twice, in room order.
    entries: list[CalendarEntry] = []
    for row in rows:
        (
            sid,
            course_id,
            start,
            stop,
            patient,
            procedure,
            cid,
            first_name,
            last_name,
            username,
            patient_id,
            slug,
            status,
            sequence,
            local_day,
            local_start,
            local_end,
            room_id,
            room_name,
        ) = row
        if not entries or entries[-1].id != sid:
            entries.append(
                CalendarEntry(
                    sid,
                    course_id,
                    local_day,
                    local_start,
                    local_end,
                    patient,
                    procedure,
                    cid,
                    f"{first_name} {last_name}".strip() or username,
                    [],
                    start,
                    stop,
                    patient_id,
                    slug,
                    status,
                    sequence,
                )
            )
        if room_id is not None:
            entries[-1].rooms.append((room_id, room_name))
    columns: OrderedDict[int, CalendarColumn] = OrderedDict()
    for entry in entries:
        keys = entry.rooms if by == "room" else [(entry.clinician_id, entry.clinician)]
        for key, title in keys:
            columns.setdefault(key, CalendarColumn(key, title, [])).sessions.append(entry)
    return {
        "first": first,
        "days": [first + datetime.timedelta(days=i) for i in range(days)],
        "columns": sorted(columns.values(), key=lambda c: c.title),
        "sessions": entries,
    }


def worklist(*, clinician, day: datetime.date, tz):
    """A clinician's sessions of the day, each flagged when the patient is no longer eligible."""
    sessions = list(
        _sessions_with_details(
            Session.objects.filter(clinician=clinician, status__in=(*ACTIVE_STATUSES, SessionStatus.NO_SHOW))
            .on_local_day(day, tz)
            .order_by("start")
        )
    )
    facts = load_clinical_facts_bulk({s.patient_id for s in sessions})
    for session in sessions:
        decision = eligibility(
            patient=session.patient,
            procedure=session.course.procedure,
            when=session.start,
            facts=facts[session.patient_id],
            tz=tz,
        )
        session.flags = [r.message for r in decision.reasons]
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

"""Reads for the course page, calendars, the worklist and the free-slot finder."""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Prefetch, Q, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from procedures.eligibility import eligibility, load_clinical_facts_bulk

from .availability import load_availability
from .models import ACTIVE_STATUSES, Course, Dispatch, Resource, ResourceBooking, Session, SessionStatus
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
    # Local day and clock times come from PostgreSQL: cheaper than converting 400 datetimes here.
    rows = (
        Session.objects.filter(location=location, start__gte=begin, start__lt=end, status__in=ACTIVE_STATUSES)
        .annotate(
            local_day=RawSQL("(scheduling_session.start AT TIME ZONE %s)::date", [location.time_zone]),
            local_start=RawSQL("to_char(scheduling_session.start AT TIME ZONE %s, 'HH24:MI')", [location.time_zone]),
            local_end=RawSQL("""to_char(scheduling_session."end" AT TIME ZONE %s, 'HH24:MI')""", [location.time_zone]),
            # Rooms come along in the same query, as two arrays in name order.
            room_ids=ArrayAgg(
                "bookings__resource_id",
                filter=Q(bookings__active=True),
                order_by="bookings__resource__name",
                default=Value([]),
            ),
            room_names=ArrayAgg(
                "bookings__resource__name",
                filter=Q(bookings__active=True),
                order_by="bookings__resource__name",
                default=Value([]),
            ),
        )
        .order_by("start")
        .values_list(
            "id",
            "course_id",
            "start",
            "end",
            "patient__full_name",
            "course__procedure__name_en" if english else "course__procedure__name_ru",
            "clinician_id",
            "clinician__first_name",
            "clinician__last_name",
            "clinician__username",
            "patient_id",
            "course__procedure__slug",
            "status",
            "sequence",
            "local_day",
            "local_start",
            "local_end",
            "room_ids",
            "room_names",
        )
    )
    entries = []
    for (
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
        room_ids,
        room_names,
    ) in rows:
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
                list(zip(room_ids, room_names, strict=True)),
                start,
                stop,
                patient_id,
                slug,
                status,
                sequence,
            )
        )
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


def resources_of(location):
    return Resource.objects.filter(location=location, active=True).select_related("kind")

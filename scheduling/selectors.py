"""Reads for the course page, calendars, the worklist and the free-slot finder."""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Prefetch

from procedures.eligibility import eligibility, load_clinical_facts_bulk

from .availability import load_availability
from .models import ACTIVE_STATUSES, Course, Resource, ResourceBooking, Session, SessionStatus
from .planner import Rules, _candidate_starts, check_slot, closed_reason


def _sessions_with_details(queryset):
    bookings = ResourceBooking.objects.select_related("resource").order_by("resource__name")
    return queryset.select_related("clinician", "patient", "course__procedure").prefetch_related(
        Prefetch("bookings", queryset=bookings)
    )


def course_with_sessions(course_id: int) -> tuple[Course, list[Session]]:
    course = Course.objects.select_related("patient", "procedure", "location", "created_by").get(pk=course_id)
    sessions = list(_sessions_with_details(course.sessions.order_by("start")))
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


def calendar(*, location, day: datetime.date, view: str = "day", by: str = "clinician"):
    """Sessions of a location for a day or a week, grouped by clinician or by room: two queries."""
    days = 7 if view == "week" else 1
    first = day - datetime.timedelta(days=day.weekday()) if view == "week" else day
    tz = location.tz
    begin = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = begin + datetime.timedelta(days=days)
    sessions = list(
        _sessions_with_details(
            Session.objects.filter(
                location=location, start__gte=begin, start__lt=end, status__in=ACTIVE_STATUSES
            ).order_by("start")
        )
    )
    columns: OrderedDict[int, CalendarColumn] = OrderedDict()
    for session in sessions:
        if by == "room":
            for booking in session.bookings.all():
                column = columns.setdefault(
                    booking.resource_id, CalendarColumn(booking.resource_id, booking.resource.name, [])
                )
                column.sessions.append(session)
        else:
            column = columns.setdefault(
                session.clinician_id, CalendarColumn(session.clinician_id, str(session.clinician), [])
            )
            column.sessions.append(session)
    return {
        "first": first,
        "days": [first + datetime.timedelta(days=i) for i in range(days)],
        "columns": sorted(columns.values(), key=lambda c: c.title),
        "sessions": sessions,
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

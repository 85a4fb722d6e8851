"""What the portal shows, read in a fixed number of queries whatever the number of sessions."""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location
from scheduling.models import ACTIVE_STATUSES, BookingRequest, BookingRequestStatus, Course, Session, SessionStatus
from scheduling.services import can_change_online

PAST_SHOWN = 20


@dataclasses.dataclass
class CourseProgress:
    course: object
    completed: int
    total: int
    sessions: list  # this course's sessions in time order, cancelled ones included

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def dots(self) -> list[str]:
        """One state per session in time order (completed, no_show, scheduled); cancelled ones left out."""
        return [s.status for s in self.sessions if s.status != SessionStatus.CANCELLED]


@dataclasses.dataclass
class Overview:
    upcoming: list
    past: list
    courses: list[CourseProgress]
    aftercare: list  # procedures the patient has had, with their aftercare text
    numbers: dict[int, tuple[int, int]]


def patient_sessions(patient, *, since: datetime.datetime | None = None, course_id: int | None = None) -> list:
    """A patient's sessions in time order, with course, procedure, location and clinician attached.

    Two queries (three when a session is at another clinic) instead of one five-table join: a
    patient's sessions share one or two courses, procedures and locations, so each is loaded and
    built once, not per row (the join cost about twice as much, most of it building the same
    objects again and again). Each session says whether a move request of it is open.
    """

    queryset = (
        Session.objects.filter(patient=patient)
        .select_related("clinician")
        .annotate(
            move_requested=Exists(
                BookingRequest.objects.filter(session=OuterRef("pk"), status=BookingRequestStatus.NEW)
            )
        )
    )
    if since is not None:
        queryset = queryset.filter(end__gte=since)
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    sessions = list(queryset.order_by("start", "pk"))
    if not sessions:
        return sessions
    courses = Course.objects.select_related("procedure").in_bulk({s.course_id for s in sessions})
    home = patient.home_location if "home_location" in patient._state.fields_cache else None
    location_ids = {s.location_id for s in sessions}
    if home is not None and location_ids == {home.pk}:
        locations = {home.pk: home}  # the usual case: every session at the patient's own clinic
    else:
        locations = Location.objects.in_bulk(location_ids)
    for session in sessions:
        session.course = courses[session.course_id]
        session.location = locations[session.location_id]
    return sessions


def session_numbers(sessions) -> dict[int, tuple[int, int]]:
    """Session id -> (n, of): 'session 5 of 12', counting the course's held and planned sessions in order."""
    counters: dict[int, int] = {}
    numbers = {}
    for session in sessions:  # in time order
        if session.status in ACTIVE_STATUSES:
            counters[session.course_id] = counters.get(session.course_id, 0) + 1
            numbers[session.pk] = (counters[session.course_id], session.course.session_count)
    return numbers


def _by_pk(name: str):
    """A cheap reverse() for URLs whose only argument is an integer pk (dozens on one page add up)."""
    pattern = reverse(name, args=[987654321])
    return lambda pk: pattern.replace("987654321", str(pk))


def overview(patient, now: datetime.datetime | None = None) -> Overview:
    """Everything on the portal home, in patient_sessions' queries."""
    now = now or timezone.now()
    sessions = patient_sessions(patient)
    numbers = session_numbers(sessions)
    upcoming, past, by_course, aftercare = [], [], {}, {}
    confirm_url, cancel_url, move_url = (
        _by_pk("portal:session-confirm"),
        _by_pk("portal:session-cancel"),
        _by_pk("portal:session-move"),
    )
    for session in sessions:
        by_course.setdefault(session.course_id, []).append(session)
        if session.status == SessionStatus.SCHEDULED and session.end >= now:
            session.number = numbers.get(session.pk)
            session.can_change = can_change_online(session, now)
            session.urls = {
                "confirm": confirm_url(session.pk),
                "cancel": cancel_url(session.pk),
                "move": move_url(session.pk),
            }
            upcoming.append(session)
        elif session.start < now and session.status != SessionStatus.CANCELLED:
            session.number = numbers.get(session.pk)
            past.append(session)
        if session.status == SessionStatus.COMPLETED:
            procedure = session.course.procedure
            aftercare[procedure.pk] = procedure
    courses = []
    for course_sessions in by_course.values():
        course = course_sessions[0].course
        if course.status != "active" and not any(s in upcoming for s in course_sessions):
            continue
        completed = sum(1 for s in course_sessions if s.status == SessionStatus.COMPLETED)
        courses.append(CourseProgress(course, completed, course.session_count, course_sessions))
    past.reverse()
    return Overview(upcoming, past[:PAST_SHOWN], courses, list(aftercare.values()), numbers)

"""The one home of "session n of m" and of a course's progress (completed of total).

A session's number counts its course's held and planned sessions (ACTIVE_STATUSES) in time order:
cancelled and no-show sessions get none, and "of m" is the course's booked count. Three shapes of
the same rule, for three ways of reading: a list already in memory (`session_places`, `session_numbers`), a batch
read in one query (`with_session_number`, a subquery annotation), and one session (`session_number`).
"""

from __future__ import annotations

import dataclasses

from django.db.models import Count, OuterRef, Subquery

from .models import ACTIVE_STATUSES, Session, SessionStatus


def session_places(sessions) -> dict[int, int]:
    """Session id -> n for sessions given in time order (a course's or a patient's)."""
    counters: dict[int, int] = {}
    places = {}
    for session in sessions:
        if session.status in ACTIVE_STATUSES:
            counters[session.course_id] = counters.get(session.course_id, 0) + 1
            places[session.pk] = counters[session.course_id]
    return places


def session_numbers(sessions) -> dict[int, tuple[int, int]]:
    """Session id -> (n, of) for sessions given in time order; each session's course must be loaded."""
    places = session_places(sessions)
    return {s.pk: (places[s.pk], s.course.session_count) for s in sessions if s.pk in places}


def place_in_course(session_path: str = ""):
    """A subquery: how many of the course's active sessions start no later than this one (its n).

    `session_path` leads from the annotated rows to the session ("session__" for a dispatch).
    """
    return Subquery(
        Session.objects.filter(
            course_id=OuterRef(f"{session_path}course_id"),
            status__in=ACTIVE_STATUSES,
            start__lte=OuterRef(f"{session_path}start"),
        )
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")
    )


def with_session_number(queryset, session_path: str = ""):
    """Annotate each row with `session_number` (see place_in_course), in the same query."""
    return queryset.annotate(session_number=place_in_course(session_path))


def session_number(session, number: int | None = None) -> tuple[int, int]:
    """(n, of) for one session: `number` when already read (with_session_number), else one query."""
    if number is None:
        number = session.course.sessions.filter(status__in=ACTIVE_STATUSES, start__lte=session.start).count()
    return number, session.course.session_count


@dataclasses.dataclass
class CourseProgress:
    course: object
    completed: int
    total: int
    sessions: list  # this course's sessions in time order, cancelled ones included

    @property
    def done(self) -> int:
        return self.completed

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def dots(self) -> list[str]:
        """One state per session in time order (completed, no_show, scheduled); cancelled ones left out."""
        return [s.status for s in self.sessions if s.status != SessionStatus.CANCELLED]


def course_progress(course, sessions) -> CourseProgress:
    """Completed sessions of the course's booked count; `sessions` are the course's, in time order."""
    completed = sum(1 for s in sessions if s.status == SessionStatus.COMPLETED)
    return CourseProgress(course, completed, course.session_count, list(sessions))


def progress_by_course(sessions) -> list[CourseProgress]:
    """One CourseProgress per course of `sessions` (a patient's, in time order), in first-seen order."""
    by_course: dict[int, list] = {}
    for session in sessions:
        by_course.setdefault(session.course_id, []).append(session)
    return [course_progress(items[0].course, items) for items in by_course.values()]

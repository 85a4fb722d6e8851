"""Cancelling sessions, with the other half of each combined visit, and closing what is left empty."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from ..models import Course, CourseStatus, ResourceBooking, Session, SessionStatus


def _cancel_sessions(sessions, reason: str) -> list[int]:
    """Cancel these scheduled sessions and free their rooms; returns the ids it cancelled."""
    ids = list(sessions.filter(status=SessionStatus.SCHEDULED).values_list("pk", flat=True))
    ResourceBooking.objects.filter(session_id__in=ids).update(active=False)
    Session.objects.filter(pk__in=ids, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.CANCELLED, cancel_reason=reason, sequence=F("sequence") + 1, updated_at=timezone.now()
    )
    return ids


def _cancel_with_partners(sessions, reason: str) -> tuple[list[int], list[int]]:
    """Every cancel path's one way: these sessions, the other halves of their combined visits, and
    the partners' courses ended when nothing is left in them. Returns (cancelled ids, partner ids)."""
    cancelled = _cancel_sessions(sessions, reason)
    partner_ids = partners_of(cancelled)
    _cancel_sessions(Session.objects.filter(pk__in=partner_ids), reason)
    for course_id in set(Session.objects.filter(pk__in=partner_ids).values_list("course_id", flat=True)):
        close_course_if_done(course_id)
    return cancelled, partner_ids


def partners_of(session_ids) -> list[int]:
    """The other halves of these sessions' combined visits."""
    return list(Session.objects.filter(companion_of_id__in=session_ids).values_list("pk", flat=True)) + list(
        Session.objects.filter(pk__in=session_ids, companion_of__isnull=False).values_list("companion_of_id", flat=True)
    )


def close_course_if_done(course_id: int) -> None:
    """A course with nothing left to do ends: completed if any session was done, else cancelled."""
    if Session.objects.filter(course_id=course_id, status=SessionStatus.SCHEDULED).exists():
        return
    done = Session.objects.filter(course_id=course_id, status=SessionStatus.COMPLETED).exists()
    Course.objects.filter(pk=course_id, status=CourseStatus.ACTIVE).update(
        status=CourseStatus.COMPLETED if done else CourseStatus.CANCELLED
    )

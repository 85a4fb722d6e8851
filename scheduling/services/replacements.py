"""A course's own replacement first: which freed times may replace a cancelled session of a course.

Issue #21 says "a freed session of a course offers its own replacement first". Read here as the
front desk works: a patient who cannot come to a session of her course is owed that session (the
desk's "Replace" adds it at the end of the course). When her session is cancelled it waits on the
list for its replacement (freed.replacement_entries_create: an entry with `replaces`), and every
freed time is offered first to such entries, in order of waiting, then to the patients waiting for
a course. A time fits a replacement when, added to the course's sessions, every new gap keeps the
procedure's spacing (at least `spacing_days`, at most `max_gap_days`: the moves' `gap_problems`),
the planner places exactly that time with that clinician, and the eligibility function clears it.
The time the patient herself gave up is never offered back to her. Taking the offer books through
`session_replace` (the session's `replaces` is unique: the database has the last word); the desk's
"Replace" at the end of the course books the entry too, and its open offers close.
"""

from __future__ import annotations

from django.utils import timezone

from ..availability import load_availability
from ..models import ACTIVE_STATUSES, CourseStatus, Session, WaitlistEntry
from ..planner import Plan, Rules, plan_course
from .common import eligibility_check
from .moves import gap_problems
from .sessions import session_replace


def replacement_plan(entry: WaitlistEntry, *, start, clinician_id) -> Plan | None:
    """The one session that would replace the entry's cancelled session at exactly this time, or None."""
    cancelled = entry.replaces
    course = cancelled.course
    if course.status != CourseStatus.ACTIVE or start == cancelled.start or start <= timezone.now():
        return None
    if Session.objects.filter(replaces=cancelled).exists():
        return None
    tz = course.location.tz
    rules = Rules.of(course.procedure)
    timeline = list(course.sessions.filter(status__in=ACTIVE_STATUSES).order_by("start"))
    if gap_problems(tz, rules, timeline, [(s.pk, s.start) for s in timeline] + [(0, start)]):
        return None
    day = start.astimezone(tz).date()
    av = load_availability(
        location=course.location, procedure=course.procedure, patient_id=course.patient_id, first_day=day, last_day=day
    )
    plan = plan_course(
        av,
        Rules(rules.duration, 1, 1, rules.spacing_days, rules.max_gap_days),
        count=1,
        first_day=day,
        preferred_time=start.astimezone(tz).time(),
        preferred_clinician=clinician_id,
        eligibility=eligibility_check(
            course.patient, course.procedure, tz, course_start=min([start, *[s.start for s in timeline[:1]]])
        ),
    )
    if not (plan.bookable and plan.sessions):
        return None
    first = plan.sessions[0]
    return plan if first.start == start and first.clinician_id == clinician_id else None


def replacement_book(entry: WaitlistEntry, offer, plan: Plan, request):
    """Book the replacement the patient accepted (in the caller's transaction); returns its course."""
    session_replace(
        actor=None, session=entry.replaces, request=request, proposed=plan.sessions[0], waitlist_offer=offer
    )
    return entry.replaces.course

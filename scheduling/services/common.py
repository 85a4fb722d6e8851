"""What every booking service shares: the conflict error, session specs, clash checks, eligibility."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import long_date, short_date
from core.policy import allowed
from procedures.eligibility import eligibility, load_clinical_facts
from procedures.rules import CONSENT_CODES, SESSION

from ..availability import load_availability
from ..models import ResourceBooking, Session
from ..planner import Clash, Rules, check_sessions


class BookingConflict(Exception):
    """Another booking holds the clinician, the patient or a room at that time.

    `conflicts`: the clashes found, one planner.Clash per session (none when the database refused a
    write and the clash could not be named); str() is their sentences, for a page.
    """

    def __init__(self, message: str, conflicts: list[Clash] | None = None):
        super().__init__(message)
        self.conflicts = list(conflicts or [])


@dataclass
class SessionSpec:
    start: datetime.datetime
    clinician_id: int | None
    resource_ids: list[int] | None = None


def defer_clash_checks() -> None:
    """Let a transaction pass through momentary overlaps (shifting a course session by session)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def check_clashes_now() -> None:
    """Run the deferred exclusion checks now, inside our atomic block, whatever encloses it."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def coded(messages: list[str], code: str) -> ValidationError:
    """A ValidationError of several messages that keeps its code (a bare list would drop it)."""
    return ValidationError([ValidationError(m, code=code) for m in messages])


def require(actor, action: str) -> None:
    if not allowed(actor, action):
        raise PermissionDenied


def eligibility_check(patient, procedure, tz, *, course_start: datetime.datetime | None = None):
    """reasons(start): why `procedure` may not be done at `start`, in the active language.

    Where the procedure says so, a screening and an ice test valid at the course's first session
    cover every later session: that is `course_start`, or else the first start asked about (the
    planner and the booking ask in the order of the sessions).
    """
    facts = load_clinical_facts(patient.pk)
    first = [course_start] if course_start is not None else []

    def reasons(start):
        if not first:
            first.append(start)
        valid_at = first[0] if procedure.records_cover_course else None
        return eligibility(
            patient=patient, procedure=procedure, when=start, facts=facts, tz=tz, valid_at=valid_at
        ).reasons

    reasons.facts = facts
    return reasons


def consent_problems(session) -> list[str]:
    """Why the session may not be done for want of the patient's consent: the eligibility gate asked
    at the session stage, its consent reasons only (a screening that lapsed since does not undo a
    session that took place)."""
    procedure = session.course.procedure
    if not procedure.consent_required:
        return []
    decision = eligibility(patient=session.patient, procedure=procedure, when=session.start, stage=SESSION)
    return [r.message for r in decision.reasons if r.code in CONSENT_CODES]


def past_problems(starts, tz, numbers=None) -> list[str]:
    """No session may be written to start in the past."""
    now = timezone.now()
    return [
        _("Session %(n)d (%(when)s) would start in the past.")
        % {"n": number, "when": long_date(start.astimezone(tz), time=True)}
        for number, start in zip(numbers or range(1, len(starts) + 1), starts, strict=True)
        if start <= now
    ]


def rebook_resources(session: Session, resource_ids: list[int]) -> None:
    session.bookings.all().delete()
    ResourceBooking.objects.bulk_create(
        [
            ResourceBooking(session=session, resource_id=rid, start=session.start, end=session.end)
            for rid in resource_ids
        ]
    )


def clash_conflict(*, patient, specs, duration, exclude_ids=(), numbers=None) -> BookingConflict:
    """After the database refused a booking, name what it clashed with (`numbers`: the sessions' own)."""
    for number, spec in zip(numbers or range(1, len(specs) + 1), specs, strict=True):
        clash = _clash_of(number, spec, patient=patient, duration=duration, exclude_ids=exclude_ids)
        if clash is not None:
            return BookingConflict(clash.message, [clash])
    return BookingConflict(_("Another booking took one of these times. Preview the course again."))


def _clash_of(number, spec, *, patient, duration, exclude_ids) -> Clash | None:
    end = spec.start + duration
    taken = Session.objects.active().overlapping(spec.start, end).exclude(pk__in=exclude_ids)
    other = taken.filter(clinician_id=spec.clinician_id).select_related("clinician").first()
    when = short_date(timezone.localtime(spec.start), time=True)
    if other:
        message = _("Session %(n)d (%(when)s): %(name)s has just been booked for another session.") % {
            "n": number,
            "when": when,
            "name": other.clinician,
        }
        return Clash(number, spec.start, "clinician", message)
    if taken.filter(patient=patient).exists():
        message = _("Session %(n)d (%(when)s): the patient has just been booked for another session.") % {
            "n": number,
            "when": when,
        }
        return Clash(number, spec.start, "patient", message)
    booked = ResourceBooking.objects.filter(
        active=True, resource_id__in=spec.resource_ids or [], start__lt=end, end__gt=spec.start
    ).exclude(session_id__in=exclude_ids)
    if booked.exists():
        message = _("Session %(n)d (%(when)s): %(resource)s has just been taken.") % {
            "n": number,
            "when": when,
            "resource": booked.select_related("resource").first().resource,
        }
        return Clash(number, spec.start, "resource", message)
    return None


def span(specs, tz) -> tuple[datetime.date, datetime.date]:
    days = [s.start.astimezone(tz).date() for s in specs]
    return min(days), max(days)


def slot_problems(*, patient, procedure, location, specs, exclude_session_ids=(), course_start=None, numbers=None):
    """Everything wrong with these sessions but their spacing. Clashes alone raise BookingConflict.

    Returns (problems, resources chosen for each spec).
    """
    rules = Rules.of(procedure)
    first, last = span(specs, location.tz)
    av = load_availability(
        location=location,
        procedure=procedure,
        patient_id=patient.pk,
        first_day=first,
        last_day=last,
        exclude_session_ids=exclude_session_ids,
    )
    av.not_before = None  # a past start gets its own plain message below
    numbers = numbers or list(range(1, len(specs) + 1))
    problems = past_problems([s.start for s in specs], location.tz, numbers)
    found, clashes, resources = check_sessions(av, rules, specs, numbers)
    problems += found
    reasons = eligibility_check(patient, procedure, location.tz, course_start=course_start)
    for number, spec in zip(numbers, specs, strict=True):
        for reason in reasons(spec.start):
            problems.append(_("Session %(n)d: %(reason)s") % {"n": number, "reason": reason})
    if clashes and not problems:
        raise BookingConflict(" ".join(c.message for c in clashes), clashes)
    return problems + [c.message for c in clashes], resources

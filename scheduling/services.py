"""The only doors for booking, moving, cancelling and recording sessions.

Each write checks first, for a kind message, then lets PostgreSQL's exclusion constraints have the
last word: a clash that slips past the checks (two registrars at once) becomes BookingConflict.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.policy import allowed
from audit.models import Action
from audit.services import audit_record
from procedures.eligibility import eligibility, load_clinical_facts

from .availability import load_availability
from .locks import lock_location_schedule
from .models import ACTIVE_STATUSES, Course, CourseStatus, ResourceBooking, Session, SessionStatus
from .planner import (
    FIRST_SESSION_SEARCH_DAYS,
    Plan,
    Rules,
    check_sessions,
    companion_finder,
    companion_start,
    count_problems,
    course_price,
    plan_course,
    spacing_problems,
)


class BookingConflict(Exception):
    """Another booking holds the clinician, the patient or a room at that time."""


@dataclass
class SessionSpec:
    start: datetime.datetime
    clinician_id: int
    resource_ids: list[int] | None = None


def _defer_clash_checks() -> None:
    """Let a transaction pass through momentary overlaps (shifting a course session by session)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _check_clashes_now() -> None:
    """Run the deferred exclusion checks now, inside our atomic block, whatever encloses it."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _coded(messages: list[str], code: str) -> ValidationError:
    """A ValidationError of several messages that keeps its code (a bare list would drop it)."""
    return ValidationError([ValidationError(m, code=code) for m in messages])


def _require(actor, action: str) -> None:
    if not allowed(actor, action):
        raise PermissionDenied


def _eligibility_check(patient, procedure, tz):
    facts = load_clinical_facts(patient.pk)

    def reasons(start):
        return eligibility(patient=patient, procedure=procedure, when=start, facts=facts, tz=tz).reasons

    return reasons


def combined_order(procedure, combined) -> tuple[bool, datetime.timedelta]:
    """(whether `combined` goes before `procedure`, the lead). One of the two must carry a lead."""
    if procedure.pk == combined.pk:
        raise ValidationError(_("Choose a different procedure to combine with."), code="combined_same")
    if procedure.combined_lead_minutes is not None and combined.combined_lead_minutes is None:
        return False, datetime.timedelta(minutes=procedure.combined_lead_minutes)
    if combined.combined_lead_minutes is not None and procedure.combined_lead_minutes is None:
        return True, datetime.timedelta(minutes=combined.combined_lead_minutes)
    raise ValidationError(
        _("A combined visit pairs a procedure done first (such as cryomassage) with one that follows it."),
        code="combined_order",
    )


def course_preview(
    *,
    patient,
    procedure,
    location,
    count: int,
    first_day: datetime.date,
    preferred_time: datetime.time | None = None,
    window=None,
    clinician_id: int | None = None,
    combined_procedure=None,
) -> Plan:
    """Propose a course without booking it; with combined_procedure, each session has a companion."""
    rules = Rules.of(procedure)
    last_day = first_day + datetime.timedelta(days=FIRST_SESSION_SEARCH_DAYS + count * rules.max_gap_days)
    av = load_availability(
        location=location, procedure=procedure, patient_id=patient.pk, first_day=first_day, last_day=last_day
    )
    extra = {}
    if combined_procedure is not None:
        before, lead = combined_order(procedure, combined_procedure)
        other_rules = Rules.of(combined_procedure)
        problems = count_problems(other_rules, count)
        if problems:
            return Plan([], problems)
        other_av = load_availability(
            location=location,
            procedure=combined_procedure,
            patient_id=patient.pk,
            first_day=first_day,
            last_day=last_day,
        )
        extra = {
            "companion": companion_finder(other_av, other_rules, rules, lead, before=before),
            "companion_av": other_av,
            "companion_eligibility": _eligibility_check(patient, combined_procedure, location.tz),
        }
    plan = plan_course(
        av,
        rules,
        count=count,
        first_day=first_day,
        preferred_time=preferred_time,
        window=window,
        preferred_clinician=clinician_id,
        eligibility=_eligibility_check(patient, procedure, location.tz),
        **extra,
    )
    if combined_procedure is not None and plan.sessions:
        plan.problems += spacing_problems(av, Rules.of(combined_procedure), [s.companion.start for s in plan.sessions])
    return plan


def _span(specs, tz) -> tuple[datetime.date, datetime.date]:
    days = [s.start.astimezone(tz).date() for s in specs]
    return min(days), max(days)


def _problems_for(*, patient, procedure, location, specs, exclude_session_ids=(), spacing_starts=None):
    """Everything wrong with these sessions. Clashes alone raise BookingConflict; else a list."""
    rules = Rules.of(procedure)
    first, last = _span(specs, location.tz)
    av = load_availability(
        location=location,
        procedure=procedure,
        patient_id=patient.pk,
        first_day=first,
        last_day=last,
        exclude_session_ids=exclude_session_ids,
    )
    problems = spacing_problems(av, rules, spacing_starts or [s.start for s in specs])
    slot_problems, clashes, resources = check_sessions(av, rules, specs)
    problems += slot_problems
    reasons = _eligibility_check(patient, procedure, location.tz)
    for number, spec in enumerate(specs, start=1):
        for reason in reasons(spec.start):
            problems.append(_("Session %(n)d: %(reason)s") % {"n": number, "reason": reason})
    if clashes and not problems:
        raise BookingConflict(" ".join(clashes))
    return problems + clashes, resources, rules


def _clash_message(*, patient, specs, duration, exclude_ids=()) -> str:
    """After the database refused a booking, name what it clashed with."""
    for number, spec in enumerate(specs, start=1):
        end = spec.start + duration
        taken = Session.objects.active().overlapping(spec.start, end).exclude(pk__in=exclude_ids)
        other = taken.filter(clinician_id=spec.clinician_id).select_related("clinician").first()
        when = date_format(timezone.localtime(spec.start), "j M H:i")
        if other:
            return _("Session %(n)d (%(when)s): %(name)s has just been booked for another session.") % {
                "n": number,
                "when": when,
                "name": other.clinician,
            }
        if taken.filter(patient=patient).exists():
            return _("Session %(n)d (%(when)s): the patient has just been booked for another session.") % {
                "n": number,
                "when": when,
            }
        booked = ResourceBooking.objects.filter(
            active=True, resource_id__in=spec.resource_ids or [], start__lt=end, end__gt=spec.start
        ).exclude(session_id__in=exclude_ids)
        if booked.exists():
            return _("Session %(n)d (%(when)s): %(resource)s has just been taken.") % {
                "n": number,
                "when": when,
                "resource": booked.select_related("resource").first().resource,
            }
    return _("Another booking took one of these times. Preview the course again.")


def _create_course(*, actor, patient, procedure, location, specs, resources, combined_with=None) -> Course:
    rules = Rules.of(procedure)
    course = Course.objects.create(
        patient=patient,
        procedure=procedure,
        location=location,
        session_count=len(specs),
        price_per_session=procedure.price_per_session,
        discount_percent=procedure.course_discount_percent,
        total_price=course_price(procedure.price_per_session, len(specs), procedure.course_discount_percent),
        combined_with=combined_with,
        created_by=actor,
    )
    sessions = Session.objects.bulk_create(
        [
            Session(
                course=course,
                patient=patient,
                location=location,
                clinician_id=s.clinician_id,
                start=s.start,
                end=s.start + rules.duration,
            )
            for s in specs
        ]
    )
    ResourceBooking.objects.bulk_create(
        [
            ResourceBooking(session=session, resource_id=rid, start=session.start, end=session.end)
            for session, rids in zip(sessions, resources, strict=True)
            for rid in rids
        ]
    )
    for spec, rids in zip(specs, resources, strict=True):
        spec.resource_ids = rids
    return course


def course_book(
    *, actor, patient, procedure, location, specs: list[SessionSpec], combined_procedure=None, request=None
) -> Course:
    """Book a whole course in one transaction: all sessions or none.

    With combined_procedure, each session gets a companion of that procedure the same day (a combined
    visit: the procedure with a lead, cryomassage, ends that many minutes before the other begins),
    and both courses are booked together.
    """
    _require(actor, "booking.manage")
    rules = Rules.of(procedure)
    specs = sorted(specs, key=lambda s: s.start)
    problems = count_problems(rules, len(specs))
    companions = []
    if combined_procedure is not None:
        before, lead = combined_order(procedure, combined_procedure)
        other_rules = Rules.of(combined_procedure)
        problems += count_problems(other_rules, len(specs))
        companions = [
            SessionSpec(companion_start(s.start, rules.duration, other_rules.duration, lead, before=before), None)
            for s in specs
        ]
    if problems:
        raise _coded(problems, "session_count")
    try:
        with transaction.atomic():
            lock_location_schedule(location.pk)
            problems, resources, rules = _problems_for(
                patient=patient, procedure=procedure, location=location, specs=specs
            )
            if companions:
                other_problems, other_resources, _rules = _problems_for(
                    patient=patient, procedure=combined_procedure, location=location, specs=companions
                )
                problems += [
                    _("%(procedure)s: %(problem)s") % {"procedure": combined_procedure.name, "problem": p}
                    for p in other_problems
                ]
            if problems:
                raise _coded(problems, "not_bookable")
            course = _create_course(
                actor=actor, patient=patient, procedure=procedure, location=location, specs=specs, resources=resources
            )
            if companions:
                _create_course(
                    actor=actor,
                    patient=patient,
                    procedure=combined_procedure,
                    location=location,
                    specs=companions,
                    resources=other_resources,
                    combined_with=course,
                )
            _check_clashes_now()
            audit_record(
                request=request,
                actor=actor,
                action=Action.CREATE,
                patient=patient,
                record=course,
                detail={"sessions": len(specs), "combined": bool(companions)},
            )
    except IntegrityError:
        raise BookingConflict(
            _clash_message(patient=patient, specs=specs + companions, duration=rules.duration)
        ) from None
    return course


def _active_sessions(course) -> list[Session]:
    return list(course.sessions.select_for_update().filter(status__in=ACTIVE_STATUSES).order_by("start"))


def _rebook_resources(session: Session, resource_ids: list[int]) -> None:
    session.bookings.all().delete()
    ResourceBooking.objects.bulk_create(
        [
            ResourceBooking(session=session, resource_id=rid, start=session.start, end=session.end)
            for rid in resource_ids
        ]
    )


def session_move(
    *, actor, session: Session, new_start: datetime.datetime, shift_following: bool = False, request=None
) -> list[Session]:
    """Move one session; with shift_following, later sessions move by as many days, keeping their time."""
    _require(actor, "booking.manage")
    course = session.course
    tz = course.location.tz
    rules, specs, moving = Rules.of(course.procedure), [], []
    try:
        with transaction.atomic():
            lock_location_schedule(course.location_id)
            Course.objects.select_for_update().get(pk=course.pk)
            _defer_clash_checks()
            active = _active_sessions(course)
            session = next((s for s in active if s.pk == session.pk), None)
            if session is None or session.status != SessionStatus.SCHEDULED:
                raise ValidationError(_("Only a scheduled session can be moved."), code="not_scheduled")
            if new_start <= timezone.now():
                raise ValidationError(_("A session cannot be moved into the past."), code="in_past")
            delta = new_start.astimezone(tz).date() - session.start.astimezone(tz).date()
            index = active.index(session)
            moving = [session] + (
                [s for s in active[index + 1 :] if s.status == SessionStatus.SCHEDULED] if shift_following else []
            )
            starts = {session.pk: new_start}
            for other in moving[1:]:
                old = other.start.astimezone(tz)
                starts[other.pk] = datetime.datetime.combine(old.date() + delta, old.time(), tzinfo=tz)
            specs = [SessionSpec(starts[s.pk], s.clinician_id) for s in moving]
            timeline = sorted(starts.get(s.pk, s.start) for s in active)
            problems, resources, rules = _problems_for(
                patient=course.patient,
                procedure=course.procedure,
                location=course.location,
                specs=specs,
                exclude_session_ids=[s.pk for s in moving],
                spacing_starts=timeline,
            )
            if problems:
                raise _coded(problems, "not_movable")
            for s, rids in zip(moving, resources, strict=True):
                s.start, s.end = starts[s.pk], starts[s.pk] + rules.duration
                Session.objects.filter(pk=s.pk).update(
                    start=s.start, end=s.end, sequence=F("sequence") + 1, rescheduled_at=timezone.now()
                )
                _rebook_resources(s, rids)
            _check_clashes_now()
            audit_record(
                request=request,
                actor=actor,
                action=Action.UPDATE,
                patient=course.patient,
                record=session,
                detail={"moved": [s.pk for s in moving], "to": new_start.isoformat()},
            )
    except IntegrityError:
        raise BookingConflict(
            _clash_message(
                patient=course.patient, specs=specs, duration=rules.duration, exclude_ids=[s.pk for s in moving]
            )
        ) from None
    return moving


@transaction.atomic
def session_cancel(*, actor, session: Session, reason: str, request=None) -> Session:
    _require(actor, "booking.manage")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the session is cancelled.")}, code="reason_required")
    updated = Session.objects.filter(pk=session.pk, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.CANCELLED, cancel_reason=reason.strip(), sequence=F("sequence") + 1
    )
    if not updated:
        raise ValidationError(_("Only a scheduled session can be cancelled."), code="not_scheduled")
    ResourceBooking.objects.filter(session=session).update(active=False)
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=session.patient,
        record=session,
        detail={"cancelled": reason.strip()},
    )
    session.refresh_from_db()
    return session


@transaction.atomic
def course_cancel(*, actor, course: Course, reason: str, request=None) -> Course:
    _require(actor, "booking.manage")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the course is cancelled.")}, code="reason_required")
    if (
        Course.objects.filter(pk=course.pk, status=CourseStatus.ACTIVE).update(
            status=CourseStatus.CANCELLED, cancel_reason=reason.strip()
        )
        == 0
    ):
        raise ValidationError(_("Only an active course can be cancelled."), code="not_active")
    scheduled = course.sessions.filter(status=SessionStatus.SCHEDULED)
    ResourceBooking.objects.filter(session__in=scheduled).update(active=False)
    scheduled.update(status=SessionStatus.CANCELLED, cancel_reason=reason.strip(), sequence=F("sequence") + 1)
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=course.patient,
        record=course,
        detail={"cancelled": reason.strip()},
    )
    course.refresh_from_db()
    return course


@transaction.atomic
def session_record_outcome(*, actor, session: Session, outcome: str, request=None) -> Session:
    """A clinician marks a session completed or no-show, from its day on."""
    _require(actor, "session.record")
    if outcome not in (SessionStatus.COMPLETED, SessionStatus.NO_SHOW):
        raise ValidationError(_("Unknown outcome."), code="invalid_outcome")
    tz = session.location.tz
    if session.start.astimezone(tz).date() > timezone.localdate(timezone=tz):
        raise ValidationError(_("A session can be recorded from its day on."), code="too_early")
    if (
        Session.objects.filter(pk=session.pk, status=SessionStatus.SCHEDULED).update(
            status=outcome, outcome_at=timezone.now()
        )
        == 0
    ):
        raise ValidationError(_("Only a scheduled session can be recorded."), code="not_scheduled")
    if outcome == SessionStatus.NO_SHOW:
        ResourceBooking.objects.filter(session=session).update(active=False)
    course = session.course
    if not course.sessions.filter(status=SessionStatus.SCHEDULED).exists():
        Course.objects.filter(pk=course.pk, status=CourseStatus.ACTIVE).update(status=CourseStatus.COMPLETED)
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=session.patient,
        record=session,
        detail={"outcome": outcome},
    )
    session.refresh_from_db()
    return session


def session_replace(*, actor, session: Session, request=None) -> Session:
    """Append a session at the end of the course for a cancelled or missed one, keeping the count."""
    _require(actor, "booking.manage")
    course = session.course
    if session.status not in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW):
        raise ValidationError(_("Only a cancelled or missed session can be replaced."), code="not_replaceable")
    if course.status == CourseStatus.CANCELLED:
        raise ValidationError(_("The course is cancelled."), code="course_cancelled")
    if Session.objects.filter(replaces=session).exists():
        raise ValidationError(_("This session has already been replaced."), code="already_replaced")
    last = course.sessions.filter(status__in=ACTIVE_STATUSES).order_by("-start").first()
    tz = course.location.tz
    anchor = last or session
    first_day = max(
        anchor.start.astimezone(tz).date() + datetime.timedelta(days=course.procedure.spacing_days),
        timezone.localdate(timezone=tz) + datetime.timedelta(days=1),
    )
    rules = Rules.of(course.procedure)
    single = Rules(rules.duration, 1, 1, rules.spacing_days, rules.max_gap_days)
    av = load_availability(
        location=course.location,
        procedure=course.procedure,
        patient_id=course.patient_id,
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=rules.max_gap_days),
    )
    plan = plan_course(
        av,
        single,
        count=1,
        first_day=first_day,
        preferred_time=anchor.start.astimezone(tz).time(),
        preferred_clinician=anchor.clinician_id,
        eligibility=_eligibility_check(course.patient, course.procedure, tz),
    )
    if not plan.bookable:
        raise _coded(plan.problems + [r for s in plan.sessions for r in s.ineligible], "not_bookable")
    proposed = plan.sessions[0]
    try:
        with transaction.atomic():
            lock_location_schedule(course.location_id)
            Course.objects.select_for_update().get(pk=course.pk)
            new = Session.objects.create(
                course=course,
                patient=course.patient,
                location=course.location,
                clinician_id=proposed.clinician_id,
                start=proposed.start,
                end=proposed.end,
                replaces=session,
            )
            _rebook_resources(new, proposed.resource_ids)
            _check_clashes_now()
            Course.objects.filter(pk=course.pk).update(status=CourseStatus.ACTIVE)
            audit_record(
                request=request,
                actor=actor,
                action=Action.CREATE,
                patient=course.patient,
                record=new,
                detail={"replaces": session.pk},
            )
    except IntegrityError:
        raise BookingConflict(_("Another booking took that time. Try again.")) from None
    return new


REQUESTS_PER_IP_PER_HOUR = 5


def booking_request_submit(*, data: dict, ip: str | None):
    """Store a website request. Refused past the hourly limit per IP; the caller handles the honeypot."""
    from django.core.cache import cache

    from .models import BookingRequest

    key = f"booking-request-ip:{ip or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    if cache.incr(key) > REQUESTS_PER_IP_PER_HOUR:
        raise ValidationError(
            _("Too many requests from your address. Please call the clinic instead."), code="throttled"
        )
    booking_request = BookingRequest(ip=ip, **data)
    booking_request.full_clean()
    booking_request.save()
    return booking_request


def booking_request_close(*, actor, booking_request, status: str, patient=None):
    """Close a request as handled (tied to a patient the actor sees) or dismissed; once only."""
    from patients.selectors import patients_visible_to

    from .models import BookingRequest, BookingRequestStatus

    _require(actor, "requests.handle")
    if status not in (BookingRequestStatus.HANDLED, BookingRequestStatus.DISMISSED):
        raise ValidationError(_("Unknown status."), code="invalid_status")
    if patient is not None and not patients_visible_to(actor).filter(pk=patient.pk).exists():
        raise ValidationError(_("Choose the patient from the search results."), code="invalid_patient")
    if patient is None and booking_request.session_id:  # a move request: the session's patient
        patient = booking_request.session.patient
    patient = patient or booking_request.patient  # or the one registered from the request
    if status == BookingRequestStatus.HANDLED and patient is None:
        raise ValidationError(_("Find the patient and choose them, or register a new one."), code="patient_required")
    updated = BookingRequest.objects.filter(pk=booking_request.pk, status=BookingRequestStatus.NEW).update(
        status=status, handled_by=actor, patient=patient
    )
    if not updated:
        raise ValidationError(_("This request has already been handled."), code="already_handled")


def closure_affected_sessions(closure):
    tz = closure.location.tz
    begin = datetime.datetime.combine(closure.starts_on, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(closure.ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return (
        Session.objects.filter(
            location=closure.location, status=SessionStatus.SCHEDULED, start__gte=begin, start__lt=end
        )
        .select_related("patient", "clinician", "course__procedure")
        .order_by("start")
    )


def closure_replan(*, actor, closure, request=None) -> list[tuple[Session, str]]:
    """Move each course's first session hit by a closure to the next feasible day, shifting the rest."""
    _require(actor, "booking.manage")
    results, seen = [], set()
    tz = closure.location.tz
    for session in closure_affected_sessions(closure):
        if session.course_id in seen:
            continue
        seen.add(session.course_id)
        procedure = session.course.procedure
        first_day = closure.ends_on + datetime.timedelta(days=1)
        rules = Rules.of(procedure)
        av = load_availability(
            location=closure.location,
            procedure=procedure,
            patient_id=session.patient_id,
            first_day=first_day,
            last_day=first_day + datetime.timedelta(days=rules.max_gap_days),
            exclude_session_ids=[session.pk],
        )
        plan = plan_course(
            av,
            Rules(rules.duration, 1, 1, rules.spacing_days, rules.max_gap_days),
            count=1,
            first_day=first_day,
            preferred_time=session.start.astimezone(tz).time(),
            preferred_clinician=session.clinician_id,
        )
        if not plan.sessions:
            results.append((session, "; ".join(plan.problems)))
            continue
        try:
            session_move(
                actor=actor, session=session, new_start=plan.sessions[0].start, shift_following=True, request=request
            )
            results.append((session, ""))
        except (ValidationError, BookingConflict) as error:
            results.append((session, "; ".join(getattr(error, "messages", [str(error)]))))
    return results


def session_confirm_by_patient(*, session: Session, request=None) -> Session:
    """The patient confirms attendance (reminder link or portal). Confirming twice changes nothing."""
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            _("This session is %(status)s and cannot be confirmed.") % {"status": session.get_status_display()},
            code="not_scheduled",
        )
    if Session.objects.filter(pk=session.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now()):
        audit_record(
            request=request,
            action=Action.UPDATE,
            patient=session.patient,
            record=session,
            detail={"confirmed_by": "patient"},
        )
    session.refresh_from_db()
    return session


def cancel_deadline(session: Session) -> datetime.datetime:
    from django.conf import settings

    return session.start - datetime.timedelta(hours=settings.CANCEL_NOTICE_HOURS)


def can_change_online(session: Session, now: datetime.datetime | None = None) -> bool:
    """May the patient still cancel or ask to move this session themselves (the notice policy)?"""
    return session.status == SessionStatus.SCHEDULED and (now or timezone.now()) <= cancel_deadline(session)


@transaction.atomic
def session_cancel_by_patient(*, session: Session, now: datetime.datetime | None = None, request=None) -> Session:
    """The patient cancels from a reminder link, within the clinic's notice policy."""
    now = now or timezone.now()
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            _("This session is %(status)s and cannot be cancelled.") % {"status": session.get_status_display()},
            code="not_scheduled",
        )
    if now > cancel_deadline(session):
        raise ValidationError(
            _("It is too late to cancel online. Please call the clinic: %(phone)s") % {"phone": session.location.phone},
            code="too_late",
        )
    updated = Session.objects.filter(pk=session.pk, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.CANCELLED, cancel_reason=_("cancelled by the patient"), sequence=F("sequence") + 1
    )
    if not updated:
        raise ValidationError(_("This session has already changed; reload the page."), code="not_scheduled")
    ResourceBooking.objects.filter(session=session).update(active=False)
    audit_record(
        request=request,
        action=Action.UPDATE,
        patient=session.patient,
        record=session,
        detail={"cancelled_by": "patient"},
    )
    session.refresh_from_db()
    return session

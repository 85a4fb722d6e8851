"""Booking a whole course (with its combined visit, if any), previewing it, cancelling it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Action
from audit.services import audit_record

from ..availability import load_availability
from ..locks import lock_location_schedule
from ..models import Course, CourseStatus, ResourceBooking, Session, SessionStatus
from ..planner import (
    FIRST_SESSION_SEARCH_DAYS,
    Plan,
    Rules,
    companion_finder,
    companion_start,
    count_problems,
    course_price,
    plan_course,
    spacing_problems,
)
from .common import (
    BookingConflict,
    SessionSpec,
    check_clashes_now,
    clash_message,
    coded,
    eligibility_check,
    require,
    slot_problems,
)


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


def active_course_problems(patient, procedure, exclude_course_id=None) -> list[str]:
    """One active course of a procedure at a time, unless the clinic allows more for it."""
    if procedure.allow_concurrent_courses:
        return []
    other = (
        Course.objects.filter(patient=patient, procedure=procedure, status=CourseStatus.ACTIVE, exclusive=True)
        .exclude(pk=exclude_course_id)
        .first()
    )
    if other is None:
        return []
    return [
        _("The patient already has an active course of %(procedure)s (booked %(when)s); finish or cancel it first.")
        % {"procedure": procedure.name, "when": date_format(timezone.localtime(other.created_at), "j M Y")}
    ]


def _covered_until(code, procedure, facts, first_start):
    """(the record's date, the last day it covers) for an expired screening or ice test, else None."""
    if code == "screening_expired":
        record = facts.screening_for(procedure.id, first_start)
        return record and (record.examined_at, procedure.screening_valid_days)
    if code == "ice_test_expired":
        record = facts.ice_test_before(first_start)
        return record and (record.performed_at, procedure.ice_test_valid_days)
    return None


COVERAGE = {
    "screening_expired": gettext_lazy(
        "The screening of %(date)s covers sessions up to %(until)s; sessions %(sessions)s need a new one."
    ),
    "ice_test_expired": gettext_lazy(
        "The ice test of %(date)s covers sessions up to %(until)s; sessions %(sessions)s need a new one."
    ),
}


def coverage_problems(patient, procedure, plan: Plan, tz) -> list[str]:
    """Say in words which sessions the patient's records do not cover, and why, once per reason."""
    ineligible = [s for s in plan.sessions if s.ineligible]
    if not ineligible:
        return []
    first_start = plan.sessions[0].start
    check = eligibility_check(patient, procedure, tz, course_start=first_start)
    by_code: dict[str, list[int]] = {}
    messages: dict[str, str] = {}
    for session in ineligible:
        for reason in check(session.start):
            by_code.setdefault(reason.code, []).append(session.number)
            messages.setdefault(reason.code, reason.message)
    problems = []
    for code, numbers in by_code.items():
        sessions = ", ".join(str(n) for n in numbers)
        covered = _covered_until(code, procedure, check.facts, first_start)
        if covered:
            date, days = covered
            problems.append(
                str(COVERAGE[code])
                % {
                    "date": date_format(date.astimezone(tz), "j E Y"),
                    "until": date_format((date + datetime.timedelta(days=days)).astimezone(tz), "j E Y"),
                    "sessions": sessions,
                }
            )
        else:
            problems.append(_("Sessions %(sessions)s: %(reason)s") % {"sessions": sessions, "reason": messages[code]})
    return problems


def _companion_extra(*, patient, procedure, combined_procedure, location, count, first_day, last_day, rules):
    before, lead = combined_order(procedure, combined_procedure)
    other_rules = Rules.of(combined_procedure)
    problems = count_problems(other_rules, count)
    if problems:
        return None, problems
    other_av = load_availability(
        location=location, procedure=combined_procedure, patient_id=patient.pk, first_day=first_day, last_day=last_day
    )
    return {
        "companion": companion_finder(other_av, other_rules, rules, lead, before=before),
        "companion_av": other_av,
        "companion_eligibility": eligibility_check(patient, combined_procedure, location.tz),
    }, []


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
    problems = active_course_problems(patient, procedure)
    if combined_procedure is not None:
        problems += active_course_problems(patient, combined_procedure)
    if first_day < timezone.localdate(timezone=location.tz):
        problems.append(_("The first day is in the past."))
        return Plan([], problems)
    last_day = first_day + datetime.timedelta(days=FIRST_SESSION_SEARCH_DAYS + count * rules.max_gap_days)
    av = load_availability(
        location=location, procedure=procedure, patient_id=patient.pk, first_day=first_day, last_day=last_day
    )
    extra = {}
    if combined_procedure is not None:
        extra, count_issue = _companion_extra(
            patient=patient,
            procedure=procedure,
            combined_procedure=combined_procedure,
            location=location,
            count=count,
            first_day=first_day,
            last_day=last_day,
            rules=rules,
        )
        if count_issue:
            return Plan([], problems + count_issue)
    plan = plan_course(
        av,
        rules,
        count=count,
        first_day=first_day,
        preferred_time=preferred_time,
        window=window,
        preferred_clinician=clinician_id,
        eligibility=eligibility_check(patient, procedure, location.tz),
        **extra,
    )
    plan.problems = problems + plan.problems
    if combined_procedure is not None and plan.sessions:
        plan.problems += spacing_problems(
            av.tz, Rules.of(combined_procedure), [s.companion.start for s in plan.sessions]
        )
    if plan.sessions:
        plan.problems += coverage_problems(patient, procedure, plan, location.tz)
    return plan


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
        exclusive=not procedure.allow_concurrent_courses,
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
                companion_of_id=getattr(s, "companion_of_id", None),
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
    course.created_sessions = sessions
    return course


def _booking_problems(*, patient, procedure, location, specs, combined_procedure, companions):
    rules = Rules.of(procedure)
    problems = active_course_problems(patient, procedure)
    problems += spacing_problems(location.tz, rules, [s.start for s in specs])
    found, resources = slot_problems(patient=patient, procedure=procedure, location=location, specs=specs)
    problems += found
    other_resources = []
    if companions:
        other_found, other_resources = slot_problems(
            patient=patient, procedure=combined_procedure, location=location, specs=companions
        )
        other_found = active_course_problems(patient, combined_procedure) + other_found
        problems += [
            _("%(procedure)s: %(problem)s") % {"procedure": combined_procedure.name, "problem": p} for p in other_found
        ]
    return problems, resources, other_resources


def course_book(
    *, actor, patient, procedure, location, specs: list[SessionSpec], combined_procedure=None, request=None
) -> Course:
    """Book a whole course in one transaction: all sessions or none.

    With combined_procedure, each session gets a companion of that procedure the same day (a combined
    visit: the procedure with a lead, cryomassage, ends that many minutes before the other begins),
    and both courses are booked together, each companion linked to its session.
    """
    require(actor, "booking.manage")
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
        raise coded(problems, "session_count")
    try:
        with transaction.atomic():
            lock_location_schedule(location.pk)
            problems, resources, other_resources = _booking_problems(
                patient=patient,
                procedure=procedure,
                location=location,
                specs=specs,
                combined_procedure=combined_procedure,
                companions=companions,
            )
            if problems:
                raise coded(problems, "not_bookable")
            course = _create_course(
                actor=actor, patient=patient, procedure=procedure, location=location, specs=specs, resources=resources
            )
            if companions:
                for companion, session in zip(companions, course.created_sessions, strict=True):
                    companion.companion_of_id = session.pk
                _create_course(
                    actor=actor,
                    patient=patient,
                    procedure=combined_procedure,
                    location=location,
                    specs=companions,
                    resources=other_resources,
                    combined_with=course,
                )
            check_clashes_now()
            audit_record(
                request=request,
                actor=actor,
                action=Action.CREATE,
                patient=patient,
                record=course,
                detail={"sessions": len(specs), "combined": bool(companions)},
            )
    except IntegrityError as error:
        if "course_one_active_per_procedure" in str(error):
            raise coded(active_course_problems(patient, procedure), "active_course_exists") from None
        raise BookingConflict(
            clash_message(patient=patient, specs=specs + companions, duration=rules.duration)
        ) from None
    return course


def _cancel_sessions(sessions, reason: str) -> list[int]:
    """Cancel these scheduled sessions and free their rooms; returns the ids it cancelled."""
    ids = list(sessions.filter(status=SessionStatus.SCHEDULED).values_list("pk", flat=True))
    ResourceBooking.objects.filter(session_id__in=ids).update(active=False)
    Session.objects.filter(pk__in=ids, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.CANCELLED, cancel_reason=reason, sequence=F("sequence") + 1
    )
    return ids


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


@transaction.atomic
def course_cancel(*, actor, course: Course, reason: str, request=None) -> Course:
    """Cancel a course's remaining sessions, and the partners of its combined visits with them."""
    require(actor, "booking.manage")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the course is cancelled.")}, code="reason_required")
    updated = Course.objects.filter(pk=course.pk, status=CourseStatus.ACTIVE).update(
        status=CourseStatus.CANCELLED, cancel_reason=reason
    )
    if not updated:
        raise ValidationError(_("Only an active course can be cancelled."), code="not_active")
    cancelled = _cancel_sessions(course.sessions.all(), reason)
    partner_ids = partners_of(cancelled)
    _cancel_sessions(Session.objects.filter(pk__in=partner_ids), reason)
    for course_id in set(Session.objects.filter(pk__in=partner_ids).values_list("course_id", flat=True)):
        close_course_if_done(course_id)
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=course.patient,
        record=course,
        detail={"cancelled": reason, "sessions": cancelled, "partners": partner_ids},
    )
    course.refresh_from_db()
    return course

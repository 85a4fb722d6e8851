"""Booking a whole course (with its combined visit, if any), previewing it, cancelling it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

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
    # "count" names the key of the % mapping that chooses the plural form: how many sessions are listed.
    "screening_expired": ngettext_lazy(
        "The screening of %(date)s covers sessions up to %(until)s; session %(sessions)s needs a new one.",
        "The screening of %(date)s covers sessions up to %(until)s; sessions %(sessions)s need a new one.",
        "count",
    ),
    "ice_test_expired": ngettext_lazy(
        "The ice test of %(date)s covers sessions up to %(until)s; session %(sessions)s needs a new one.",
        "The ice test of %(date)s covers sessions up to %(until)s; sessions %(sessions)s need a new one.",
        "count",
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
                COVERAGE[code]
                % {
                    "count": len(numbers),
                    "date": date_format(date.astimezone(tz), "j E Y"),
                    "until": date_format((date + datetime.timedelta(days=days)).astimezone(tz), "j E Y"),
                    "sessions": sessions,
                }
            )
        else:
            problems.append(
                ngettext("Session %(sessions)s: %(reason)s", "Sessions %(sessions)s: %(reason)s", len(numbers))
                % {"sessions": sessions, "reason": messages[code]}
            )
    return problems


def every_days(n: int) -> str:
    return ngettext("every %(n)d day", "every %(n)d days", n) % {"n": n}


def combine_pattern(rules: Rules, other: Rules, count: int, combined_count: int | None) -> tuple[int, int, int]:
    """How a combined procedure shares a course's visits: (every, shared visits, its own sessions after).

    The same count: every visit is shared. A procedure spaced a whole multiple apart (plasmolifting
    every 14 days beside alternate-day cryomassage) shares every 7th visit and has the rest of its
    own course on its own days after. Anything else cannot be combined.
    """
    if combined_count is None:
        combined_count = count if not count_problems(other, count) else other.min_sessions
    if count_problems(other, combined_count):
        raise coded(count_problems(other, combined_count), "session_count")
    if combined_count == count and other.spacing_days == rules.spacing_days:
        return 1, count, 0
    if other.spacing_days % rules.spacing_days or other.spacing_days <= rules.spacing_days:
        raise ValidationError(
            _("A procedure %(every_x)s cannot share the visits of a course %(every_y)s.")
            % {"every_x": every_days(other.spacing_days), "every_y": every_days(rules.spacing_days)},
            code="combined_pattern",
        )
    every = other.spacing_days // rules.spacing_days
    shared = min(-(-count // every), combined_count)
    return every, shared, combined_count - shared


def _companion_rest(plan: Plan, other_av, other: Rules, rest: int, eligibility) -> None:
    """The combined procedure's own sessions after its last shared visit."""
    last = [s.companion for s in plan.sessions if s.companion is not None]
    if not rest or not last:
        return
    tz = other_av.tz
    tail = plan_course(
        other_av,
        Rules(other.duration, 1, rest, other.spacing_days, other.max_gap_days),
        count=rest,
        first_day=last[-1].start.astimezone(tz).date() + datetime.timedelta(days=other.spacing_days),
        preferred_time=last[-1].start.astimezone(tz).time(),
        preferred_clinician=last[-1].clinician_id,
        eligibility=eligibility,
    )
    for number, session in enumerate(tail.sessions, start=len(last) + 1):
        session.number = number
    plan.companion_rest = tail.sessions
    plan.problems += tail.problems


def _preview_combined(*, plan_args, patient, procedure, combined_procedure, location, count, combined_count, span):
    rules, other = Rules.of(procedure), Rules.of(combined_procedure)
    before, lead = combined_order(procedure, combined_procedure)
    every, shared, rest = combine_pattern(rules, other, count, combined_count)
    other_av = load_availability(
        location=location, procedure=combined_procedure, patient_id=patient.pk, first_day=span[0], last_day=span[1]
    )
    other_eligibility = eligibility_check(patient, combined_procedure, location.tz)
    plan = plan_course(
        **plan_args,
        companion=companion_finder(other_av, other, rules, lead, before=before),
        companion_av=other_av,
        companion_eligibility=other_eligibility,
        companion_every=every,
        companion_count=shared,
    )
    _companion_rest(plan, other_av, other, rest, other_eligibility)
    starts = [s.companion.start for s in plan.sessions if s.companion] + [s.start for s in plan.companion_rest]
    plan.problems += spacing_problems(location.tz, other, starts)
    return plan


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
    combined_count: int | None = None,
) -> Plan:
    """Propose a course without booking it; with combined_procedure, visits shared with that one."""
    rules = Rules.of(procedure)
    problems = active_course_problems(patient, procedure)
    if combined_procedure is not None:
        combined_order(procedure, combined_procedure)  # a pair that cannot combine is a wrong question
        problems += active_course_problems(patient, combined_procedure)
    if first_day < timezone.localdate(timezone=location.tz):
        return Plan([], [*problems, _("The first day is in the past.")])
    days = FIRST_SESSION_SEARCH_DAYS + count * rules.max_gap_days
    if combined_procedure is not None:
        days += (combined_count or combined_procedure.max_sessions) * combined_procedure.max_gap_days
    span = (first_day, first_day + datetime.timedelta(days=days))
    av = load_availability(
        location=location, procedure=procedure, patient_id=patient.pk, first_day=span[0], last_day=span[1]
    )
    plan_args = {
        "av": av,
        "rules": rules,
        "count": count,
        "first_day": first_day,
        "preferred_time": preferred_time,
        "window": window,
        "preferred_clinician": clinician_id,
        "eligibility": eligibility_check(patient, procedure, location.tz),
    }
    if combined_procedure is None:
        plan = plan_course(**plan_args)
    else:
        try:
            plan = _preview_combined(
                plan_args=plan_args,
                patient=patient,
                procedure=procedure,
                combined_procedure=combined_procedure,
                location=location,
                count=count,
                combined_count=combined_count,
                span=span,
            )
        except ValidationError as error:
            return Plan([], problems + error.messages)
    plan.problems = problems + plan.problems
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
        other_found += spacing_problems(location.tz, Rules.of(combined_procedure), [c.start for c in companions])
        other_found = active_course_problems(patient, combined_procedure) + other_found
        problems += [
            _("%(procedure)s: %(problem)s") % {"procedure": combined_procedure.name, "problem": p} for p in other_found
        ]
    return problems, resources, other_resources


def _companion_specs(rules, procedure, combined_procedure, specs, combined_sessions) -> list[SessionSpec]:
    """The combined procedure's sessions: one with each shared visit, then its own ones after."""
    before, lead = combined_order(procedure, combined_procedure)
    other = Rules.of(combined_procedure)
    extra = sorted(combined_sessions or [], key=lambda s: s.start)
    combined_count = None
    if extra and other.spacing_days > rules.spacing_days and not other.spacing_days % rules.spacing_days:
        combined_count = -(-len(specs) // (other.spacing_days // rules.spacing_days)) + len(extra)
    every, shared, rest = combine_pattern(rules, other, len(specs), combined_count)
    if rest != len(extra):
        raise ValidationError(
            ngettext(
                "Give the %(n)d session of %(procedure)s after the shared visits.",
                "Give the %(n)d sessions of %(procedure)s after the shared visits.",
                rest,
            )
            % {"n": rest, "procedure": combined_procedure.name},
            code="combined_sessions",
        )
    companions = []
    for index in range(0, len(specs), every)[:shared]:
        main = specs[index]
        companion = SessionSpec(companion_start(main.start, rules.duration, other.duration, lead, before=before), None)
        companion.companion_of_index = index
        companions.append(companion)
    return companions + extra


def course_book(
    *,
    actor,
    patient,
    procedure,
    location,
    specs: list[SessionSpec],
    combined_procedure=None,
    combined_sessions: list[SessionSpec] | None = None,
    request=None,
) -> Course:
    """Book a whole course in one transaction: all sessions or none.

    With combined_procedure, its sessions share visits with this course's (the procedure with a lead,
    cryomassage, ends that many minutes before the other begins), each linked to its partner; with a
    count of its own, `combined_sessions` are its sessions after the shared visits. Both courses are
    booked together.
    """
    require(actor, "booking.manage")
    rules = Rules.of(procedure)
    specs = sorted(specs, key=lambda s: s.start)
    problems = count_problems(rules, len(specs))
    if problems:
        raise coded(problems, "session_count")
    companions = []
    if combined_procedure is not None:
        companions = _companion_specs(rules, procedure, combined_procedure, specs, combined_sessions)
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
                for companion in companions:
                    index = getattr(companion, "companion_of_index", None)
                    companion.companion_of_id = course.created_sessions[index].pk if index is not None else None
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
                detail={"sessions": len(specs), "combined": len(companions)},
            )
    except IntegrityError as error:
        if "course_one_active_per_procedure" in str(error):
            raise coded(active_course_problems(patient, procedure), "active_course_exists") from None
        message = clash_message(patient=patient, specs=specs + companions, duration=rules.duration)
        raise BookingConflict(message) from None
    return course


def _cancel_sessions(sessions, reason: str) -> list[int]:
    """Cancel these scheduled sessions and free their rooms; returns the ids it cancelled."""
    ids = list(sessions.filter(status=SessionStatus.SCHEDULED).values_list("pk", flat=True))
    ResourceBooking.objects.filter(session_id__in=ids).update(active=False)
    Session.objects.filter(pk__in=ids, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.CANCELLED, cancel_reason=reason, sequence=F("sequence") + 1
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
    cancelled, partner_ids = _cancel_with_partners(course.sessions.all(), reason)
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

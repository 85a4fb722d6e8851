"""Booking a whole course (with its combined visit, if any), previewing it, cancelling it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from core.dates import long_date
from procedures.eligibility import eligibility

from ..availability import load_availability
from ..locks import lock_booking
from ..models import Course, CourseStatus, PlanChangeKind, ResourceBooking, Session
from ..planner import (
    FIRST_SESSION_SEARCH_DAYS,
    Plan,
    Rules,
    count_problems,
    course_price,
    plan_course,
    spacing_problems,
)
from .cancelling import _cancel_with_partners
from .changes import plan_change_record
from .combined import combined_order, companion_specs, preview_combined
from .common import (
    SessionSpec,
    check_clashes_now,
    clash_conflict,
    coded,
    eligibility_check,
    require,
    slot_problems,
)
from .course_insert import insert_course
from .coverage import coverage_problems
from .dewars import nitrogen_booking_check
from .freed import waitlist_slots_freed
from .skin_treatment import (
    PrecedingTreatment,
    check_skin_treatment,
    course_fields,
    healing_phase_warning,
    skin_treatment_problems,
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
        % {"procedure": procedure.name, "when": long_date(timezone.localtime(other.created_at))}
    ]


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
    preceding_treatment: PrecedingTreatment | None = None,
) -> Plan:
    """Propose a course without booking it; with combined_procedure, visits shared with that one.

    The plan's `warnings` do not stop the booking: a darker phototype than the procedure's threshold,
    a first session after the healing phase of the treatment it follows (then `outside_healing_phase`).
    """
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
    facts = plan_args["eligibility"].facts
    if combined_procedure is None:
        plan = plan_course(**plan_args)
    else:
        try:
            plan = preview_combined(
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
        _preview_checks(plan, facts, procedure, combined_procedure, location, preceding_treatment)
    return plan


def _preview_checks(plan, facts, procedure, combined_procedure, location, treatment) -> None:
    """The treatment's and the nitrogen's problems (these block) and the warnings that do not, once each."""
    tz = location.tz
    courses = [(procedure, [s.start for s in plan.sessions])]
    if combined_procedure is not None:
        shared = [s.companion.start for s in plan.sessions if s.companion] + [s.start for s in plan.companion_rest]
        courses.append((combined_procedure, shared))
    for booked, starts in courses:
        found = skin_treatment_problems(procedure=booked, treatment=treatment, starts=starts, tz=tz)
        plan.problems += [e.message for e in found]
        late = healing_phase_warning(procedure=booked, treatment=treatment, starts=starts, tz=tz)
        if late is not None:
            plan.warnings.append(late.message)
            plan.outside_healing_phase = True
        if starts:
            decision = eligibility(patient=None, procedure=booked, when=min(starts), facts=facts, tz=tz)
            plan.warnings += [w.message for w in decision.warnings if w.message not in plan.warnings]

    for booked, starts in courses:
        refused, warned = nitrogen_booking_check(procedure=booked, location=location, starts=starts)
        plan.problems += refused
        plan.warnings += warned


def _create_course(
    *, actor, patient, procedure, location, specs, resources, combined_with=None, treatment=None
) -> Course:
    rules = Rules.of(procedure)
    course = Course(
        **course_fields(procedure, treatment),
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
    sessions = [
        Session(
            patient=patient,
            location=location,
            clinician_id=s.clinician_id,
            start=s.start,
            end=s.start + rules.duration,
            companion_of_id=getattr(s, "companion_of_id", None),
        )
        for s in specs
    ]
    bookings = [
        ResourceBooking(resource_id=rid, start=session.start, end=session.end)
        for session, rids in zip(sessions, resources, strict=True)
        for rid in rids
    ]
    insert_course(course, sessions, bookings)  # one statement for the three tables
    for spec, rids in zip(specs, resources, strict=True):
        spec.resource_ids = rids
    course.created_sessions = sessions
    return course


def _booking_problems(*, patient, procedure, location, specs, combined_procedure, companions, dewars: bool):
    """`dewars`: whether the procedures could use a dewar there (else the nitrogen has nothing to forecast)."""
    rules = Rules.of(procedure)
    problems = active_course_problems(patient, procedure)
    problems += spacing_problems(location.tz, rules, [s.start for s in specs])
    found, resources = slot_problems(patient=patient, procedure=procedure, location=location, specs=specs)
    problems += found
    if dewars:
        problems += nitrogen_booking_check(procedure=procedure, location=location, starts=[s.start for s in specs])[0]
    other_resources = []
    if companions:
        other_found, other_resources = slot_problems(
            patient=patient, procedure=combined_procedure, location=location, specs=companions
        )
        other_found += spacing_problems(location.tz, Rules.of(combined_procedure), [c.start for c in companions])
        if dewars:
            other_found += nitrogen_booking_check(
                procedure=combined_procedure, location=location, starts=[c.start for c in companions]
            )[0]
        other_found = active_course_problems(patient, combined_procedure) + other_found
        problems += [
            _("%(procedure)s: %(problem)s") % {"procedure": combined_procedure.name, "problem": p} for p in other_found
        ]
    return problems, resources, other_resources


def _link_partners(companions: list[SessionSpec], sessions: list[Session]) -> None:
    """Each companion of a shared visit names the session it goes with; the procedure's own do not."""
    for companion in companions:
        index = getattr(companion, "companion_of_index", None)
        companion.companion_of_id = sessions[index].pk if index is not None else None


def _lock_what_booking_touches(*, location, patient, booked) -> bool:
    """Lock the patient, the sessions' clinicians and every room or device they could hold, at their
    hours (scheduling.locks): bookings that cannot clash run side by side. Returns whether a dewar is
    among those rooms and devices."""
    return lock_booking(
        location_id=location.pk,
        patient_id=patient.pk,
        procedure_ids=[procedure.pk for procedure, _specs in booked],
        sessions=[
            (s.clinician_id, s.start, s.start + Rules.of(procedure).duration)
            for procedure, specs in booked
            for s in specs
        ],
    )


def course_book(
    *,
    actor,
    patient,
    procedure,
    location,
    specs: list[SessionSpec],
    combined_procedure=None,
    combined_sessions: list[SessionSpec] | None = None,
    preceding_treatment: PrecedingTreatment | None = None,
    acknowledge_outside_healing_phase: bool = False,
    request=None,
    waitlist_offer=None,
) -> Course:
    """Book a whole course in one transaction: all sessions or none.

    `waitlist_offer`: the patient's accepted waiting-list offer, claimed in the caller's transaction;
    it stands in for the registrar (actor None), the checks below are the same.

    With combined_procedure, its sessions share visits with this course's (the procedure with a lead,
    cryomassage, ends that many minutes before the other begins), each linked to its partner; with a
    count of its own, `combined_sessions` are its sessions after the shared visits. Both courses are
    booked together.

    A procedure that follows a laser, peel or microdermabrasion needs `preceding_treatment`; a first
    session after its healing phase needs `acknowledge_outside_healing_phase`.
    """
    if waitlist_offer is None or waitlist_offer.status != "accepted":
        require(actor, "booking.manage")
    rules = Rules.of(procedure)
    specs = sorted(specs, key=lambda s: s.start)
    problems = count_problems(rules, len(specs))
    if problems:
        raise coded(problems, "session_count")
    companions = []
    if combined_procedure is not None:
        companions = companion_specs(rules, procedure, combined_procedure, specs, combined_sessions)
    booked = [(procedure, [s.start for s in specs])]
    if companions:
        booked.append((combined_procedure, [c.start for c in companions]))
    late = check_skin_treatment(
        courses=booked,
        treatment=preceding_treatment,
        tz=location.tz,
        acknowledged=acknowledge_outside_healing_phase,
    )
    try:
        with transaction.atomic():
            dewars = _lock_what_booking_touches(
                location=location,
                patient=patient,
                booked=[(procedure, specs), *([(combined_procedure, companions)] if companions else [])],
            )
            problems, resources, other_resources = _booking_problems(
                patient=patient,
                procedure=procedure,
                location=location,
                specs=specs,
                combined_procedure=combined_procedure,
                companions=companions,
                dewars=dewars,
            )
            if problems:
                raise coded(problems, "not_bookable")
            booking = {"actor": actor, "patient": patient, "location": location, "treatment": preceding_treatment}
            course = _create_course(**booking, procedure=procedure, specs=specs, resources=resources)
            if companions:
                _link_partners(companions, course.created_sessions)
                _create_course(
                    **booking,
                    procedure=combined_procedure,
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
                detail={
                    "sessions": len(specs),
                    "combined": len(companions),
                    **({"outside_healing_phase": True} if late else {}),
                },
            )
    except IntegrityError as error:
        if "course_one_active_per_procedure" in str(error):
            raise coded(active_course_problems(patient, procedure), "active_course_exists") from None
        raise clash_conflict(patient=patient, specs=specs + companions, duration=rules.duration) from None
    return course


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
    waitlist_slots_freed(cancelled + partner_ids)
    plan_change_record(
        actor=actor,
        kind=PlanChangeKind.COURSE_CANCELLED,
        entries=[(pk, None, None) for pk in cancelled + partner_ids],
        reason=reason,
    )
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

"""One session's life after booking: cancelled, recorded (and corrected), replaced; the patient's own actions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.locations import user_works_at
from audit.models import Action
from audit.services import audit_record
from core.dates import short_date

from ..availability import load_availability
from ..locks import lock_location_schedule
from ..models import ACTIVE_STATUSES, Course, CourseStatus, PlanChangeKind, ResourceBooking, Session, SessionStatus
from ..planner import Rules, plan_course
from .cancelling import _cancel_with_partners
from .changes import plan_change_record
from .common import (
    BookingConflict,
    check_clashes_now,
    coded,
    consent_problems,
    eligibility_check,
    rebook_resources,
    require,
)
from .freed import replacement_entry_booked, waitlist_slots_freed

OUTCOMES = (SessionStatus.COMPLETED, SessionStatus.NO_SHOW)


@transaction.atomic
def session_cancel(*, actor, session: Session, reason: str, request=None) -> Session:
    """Cancel a scheduled session, and the other half of its combined visit with it."""
    require(actor, "booking.manage")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the session is cancelled.")}, code="reason_required")
    cancelled, partner_ids = _cancel_with_partners(Session.objects.filter(pk=session.pk), reason)
    if not cancelled:
        raise ValidationError(_("Only a scheduled session can be cancelled."), code="not_scheduled")
    waitlist_slots_freed(cancelled + partner_ids)
    plan_change_record(
        actor=actor,
        kind=PlanChangeKind.CANCELLED,
        entries=[(pk, None, None) for pk in cancelled + partner_ids],
        reason=reason,
    )
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=session.patient,
        record=session,
        detail={"cancelled": reason, "partners": partner_ids},
    )
    session.refresh_from_db()
    return session


def _may_record(actor, session: Session) -> None:
    """Only the session's clinician, or (as the clinic sets) a clinician working at its location."""
    require(actor, "session.record")
    if session.clinician_id == actor.pk:
        return
    if settings.SESSION_OUTCOME_BY == "location" and user_works_at(actor, session.location_id):
        return
    raise PermissionDenied(_("Only the session's clinician or a clinician of this location may record it."))


def _require_note(session: Session) -> None:
    """Where the procedure says so, a session is completed only once its note is signed."""
    if session.course.procedure.requires_session_note and not session.notes.exists():
        raise ValidationError(
            _("Write the session note first: %(procedure)s needs one before a session is marked completed.")
            % {"procedure": session.course.procedure.name},
            code="note_required",
        )


def _set_outcome_effects(session: Session, outcome: str) -> None:
    """A no-show frees the room; a session found completed after all holds it again."""
    ResourceBooking.objects.filter(session=session).update(active=outcome == SessionStatus.COMPLETED)
    if outcome == SessionStatus.COMPLETED:
        check_clashes_now()
    if not Session.objects.filter(course_id=session.course_id, status=SessionStatus.SCHEDULED).exists():
        Course.objects.filter(pk=session.course_id, status=CourseStatus.ACTIVE).update(status=CourseStatus.COMPLETED)


@transaction.atomic
def session_record_outcome(*, actor, session: Session, outcome: str, request=None) -> Session:
    """A clinician marks a session completed or no-show, from its start on."""
    _may_record(actor, session)
    if outcome not in OUTCOMES:
        raise ValidationError(_("Unknown outcome."), code="invalid_outcome")
    if timezone.now() < session.start:
        raise ValidationError(
            _("The session starts at %(when)s: its outcome can be recorded from then on.")
            % {"when": short_date(session.start.astimezone(session.location.tz), time=True)},
            code="too_early",
        )
    if outcome == SessionStatus.COMPLETED and (missing := consent_problems(session)):
        raise coded(missing, "consent_missing")
    if outcome == SessionStatus.COMPLETED:
        _require_note(session)
    scheduled = session.status == SessionStatus.SCHEDULED
    if not (scheduled and _write_outcome(actor, session, outcome, detail={"outcome": outcome}, request=request)):
        raise ValidationError(_("Only a scheduled session can be recorded."), code="not_scheduled")
    session.refresh_from_db()
    return session


def _write_outcome(actor, session: Session, outcome: str, *, detail: dict, request) -> bool:
    """Set the outcome if the session is still as it was read (compare and swap), with its effects and
    its audit event; False when another change came first."""
    now = timezone.now()
    updated = Session.objects.filter(pk=session.pk, status=session.status).update(
        status=outcome, outcome_at=now, outcome_by=actor, updated_at=now
    )
    if updated:
        _set_outcome_effects(session, outcome)
        audit_record(
            request=request, actor=actor, action=Action.UPDATE, patient=session.patient, record=session, detail=detail
        )
    return bool(updated)


def correction_deadline(session: Session) -> datetime.datetime:
    return session.end + datetime.timedelta(hours=settings.OUTCOME_CORRECTION_HOURS)


def can_correct_outcome(session: Session, now: datetime.datetime | None = None) -> bool:
    return session.status in OUTCOMES and (now or timezone.now()) <= correction_deadline(session)


def session_correct_outcome(*, actor, session: Session, outcome: str, reason: str, request=None) -> Session:
    """Correct a mistaken outcome (a no-show who came after all), with a reason, within the window."""
    _may_record(actor, session)
    reason = (reason or "").strip()
    if outcome not in OUTCOMES:
        raise ValidationError(_("Unknown outcome."), code="invalid_outcome")
    if not reason:
        raise ValidationError({"reason": _("Say why the outcome is corrected.")}, code="reason_required")
    if session.status == outcome or session.status not in OUTCOMES:
        raise ValidationError(_("There is nothing to correct."), code="not_correctable")
    if outcome == SessionStatus.COMPLETED:
        _require_note(session)
    if not can_correct_outcome(session):
        raise ValidationError(
            ngettext(
                "An outcome can be corrected until %(hours)d hour after the session.",
                "An outcome can be corrected until %(hours)d hours after the session.",
                settings.OUTCOME_CORRECTION_HOURS,
            )
            % {"hours": settings.OUTCOME_CORRECTION_HOURS},
            code="correction_too_late",
        )
    if outcome == SessionStatus.COMPLETED and (missing := consent_problems(session)):
        raise coded(missing, "consent_missing")
    try:
        with transaction.atomic():
            detail = {"outcome": outcome, "corrected_from": session.status, "reason": reason}
            if not _write_outcome(actor, session, outcome, detail=detail, request=request):
                raise ValidationError(_("This session has already changed; reload the page."), code="not_correctable")
    except IntegrityError:
        raise ValidationError(
            _("The room or device of this session has been booked since; it cannot be marked completed."),
            code="room_taken",
        ) from None
    session.refresh_from_db()
    return session


def _replacement_plan(course, session):
    """The planner's proposal for one more session after the course's last active one."""
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
    first = course.sessions.filter(status__in=ACTIVE_STATUSES).order_by("start").first()
    return plan_course(
        av,
        single,
        count=1,
        first_day=first_day,
        preferred_time=anchor.start.astimezone(tz).time(),
        preferred_clinician=anchor.clinician_id,
        eligibility=eligibility_check(
            course.patient, course.procedure, tz, course_start=first.start if first else None
        ),
    )


def session_replace(*, actor, session: Session, request=None, proposed=None, waitlist_offer=None) -> Session:
    """Append a session at the end of the course for a cancelled or missed one, keeping the count.

    `proposed` with `waitlist_offer` (accepted, claimed in the caller's transaction): the patient took
    a freed time offered as this session's replacement (services.replacements); it stands in for the
    registrar and for the planner's end-of-course proposal. Either way the session's own waiting-list
    replacement entry is then booked.
    """
    if waitlist_offer is None or waitlist_offer.status != "accepted":
        require(actor, "booking.manage")
    course = session.course
    if session.status not in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW):
        raise ValidationError(_("Only a cancelled or missed session can be replaced."), code="not_replaceable")
    if course.status == CourseStatus.CANCELLED:
        raise ValidationError(_("The course is cancelled: no session can be added to it."), code="course_cancelled")
    if Session.objects.filter(replaces=session).exists():
        raise ValidationError(_("This session has already been replaced."), code="already_replaced")
    if proposed is None:
        plan = _replacement_plan(course, session)
        if not plan.bookable:
            raise coded(plan.problems + [r for s in plan.sessions for r in s.ineligible], "not_bookable")
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
            rebook_resources(new, proposed.resource_ids)
            check_clashes_now()
            Course.objects.filter(pk=course.pk).update(status=CourseStatus.ACTIVE)
            replacement_entry_booked(session, course)
            plan_change_record(actor=actor, kind=PlanChangeKind.ADDED, entries=[(new.pk, None, new.start)])
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


def session_confirm_by_patient(*, session: Session, request=None) -> Session:
    """The patient confirms attendance (reminder link or portal). Confirming twice changes nothing."""
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            _("This session is %(status)s and cannot be confirmed.") % {"status": session.get_status_display()},
            code="not_scheduled",
        )
    now = timezone.now()
    if Session.objects.filter(pk=session.pk, confirmed_at__isnull=True).update(confirmed_at=now, updated_at=now):
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
    cancelled, partner_ids = _cancel_with_partners(Session.objects.filter(pk=session.pk), _("cancelled by the patient"))
    if not cancelled:
        raise ValidationError(_("This session has already changed; reload the page."), code="not_scheduled")
    waitlist_slots_freed(cancelled + partner_ids)
    audit_record(
        request=request,
        action=Action.UPDATE,
        patient=session.patient,
        record=session,
        detail={"cancelled_by": "patient", "partners": partner_ids},
    )
    session.refresh_from_db()
    return session

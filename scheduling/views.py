import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.locations import locations_of, refuse_other_location
from accounts.models import Location
from audit.services import audit_list_read, audit_sessions_read
from core.dates import query_date
from core.forms import apply_service_error
from core.net import client_ip
from core.policy import allowed, permission_required

from . import report_selectors, selectors, services
from .forms import (
    BookingRequestForm,
    CorrectOutcomeForm,
    FreeSlotForm,
    MoveForm,
    OutcomeForm,
    ReasonForm,
)
from .models import Closure, Course, Session, SessionStatus
from .progress import course_progress


def _course_for_user(user, pk: int) -> Course:
    return selectors.course_get_for_user(user, pk)


def _session_for_user(user, pk: int, action: str) -> Session:
    return selectors.session_get_for_user(user, pk, action=action)


def _locations_of(user) -> list[Location]:
    """The locations one works at (accounts.locations: none for staff attached to none). The first is the default."""
    return locations_of(user)


@permission_required("booking.view")
def course_view(request, pk: int):
    course, sessions = selectors.course_with_sessions(_course_for_user(request.user, pk).pk)
    _mark_recordable(sessions)
    reports = _course_reports(request, course)
    with timezone.override(course.location.tz):
        return render(
            request,
            "scheduling/course.html",
            {
                "course": course,
                "sessions": sessions,
                "warnings": selectors.course_warnings(course, sessions),
                "progress": course_progress(course, sessions),
                "can_manage": allowed(request.user, "booking.manage"),
                "can_record": allowed(request.user, "session.record"),
                "can_view_notes": allowed(request.user, "clinical.view"),
                "warning_reports": reports,
                "move_form": MoveForm(),
                "reason_form": ReasonForm(),
            },
        )


def _course_reports(request, course) -> list:
    """The problems the patient reported after this course's sessions: for clinicians, read like a list."""
    if not allowed(request.user, "clinical.view"):
        return []
    reports = report_selectors.course_reports(course)
    audit_list_read(request=request, record_type="scheduling.warningreport", ids=[r.pk for r in reports])
    return reports


def _mark_recordable(sessions) -> None:
    """Which outcome controls a session shows: record (from its start), or correct (within the window)."""
    now = timezone.now()
    for session in sessions:
        session.can_record_now = session.start <= now
        session.can_correct = services.can_correct_outcome(session, now)
        # A note is written from the start of a session that took place; where the procedure needs
        # one, "completed" goes through the note form (the service refuses it without a note).
        session.can_write_note = session.can_record_now and session.status in (
            SessionStatus.SCHEDULED,
            SessionStatus.COMPLETED,
        )
        session.note_needed = session.course.procedure.requires_session_note and not session.note_id


@permission_required("booking.view")
def course_print_view(request, pk: int):
    course, sessions = selectors.course_with_sessions(_course_for_user(request.user, pk).pk)
    with timezone.override(course.location.tz):
        return render(
            request, "scheduling/course_print.html", {"course": course, "sessions": [s for s in sessions if s.number]}
        )


def _after_action(request, session, action):
    try:
        action()
    except (ValidationError, services.BookingConflict) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    return redirect(session.course)


@permission_required("booking.manage")
@require_POST
def session_move_view(request, pk: int):
    """Move a session. With "re-plan the following", show the proposal first; its confirm applies it."""
    session = _session_for_user(request.user, pk, "booking.manage")
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join([_("Give the new date and time."), *form.errors.get("day", [])]))
        return redirect(session.course)
    tz = session.course.location.tz
    data = form.cleaned_data
    new_start = datetime.datetime.combine(data["day"], data["time"], tzinfo=tz)
    with timezone.override(tz):
        if data["shift_following"] and not data["expected"]:
            return _move_proposal_page(request, session, new_start, form)
        try:
            moved = services.session_move(
                actor=request.user,
                request=request,
                session=session,
                new_start=new_start,
                shift_following=data["shift_following"],
                expected=data["expected"] or None,
            )
        except ValidationError as error:
            if data["expected"] and getattr(error, "code", "") == "plan_changed":
                messages.warning(request, " ".join(error.messages))
                return _move_proposal_page(request, session, new_start, form)
            for message in error.messages:
                messages.error(request, message)
            return redirect(session.course)
        except services.BookingConflict as conflict:
            messages.error(request, str(conflict))
            return redirect(session.course)
    messages.success(
        request,
        ngettext("Moved %(n)d session.", "Moved %(n)d sessions.", len(moved)) % {"n": len(moved)},
    )
    return redirect(session.course)


def _move_proposal_page(request, session, new_start, form):
    try:
        proposal = services.session_move_proposal(session=session, new_start=new_start, shift_following=True)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(session.course)
    return render(
        request,
        "scheduling/move_proposal.html",
        {
            "session": session,
            "course": session.course,
            "proposal": proposal,
            "day": form.cleaned_data["day"],
            "time": form.cleaned_data["time"],
        },
    )


def _outcome_of(session, outcome: str) -> dict:
    """Who, when and what was recorded, for the message that says it: a clinician sees the row it changed."""
    start = session.start.astimezone(session.location.tz)
    label = SessionStatus(outcome).label
    return {"patient": session.patient.full_name, "time": start.strftime("%H:%M"), "outcome": label}


@permission_required("booking.manage")
@require_POST
def session_cancel_view(request, pk: int):
    session = _session_for_user(request.user, pk, "booking.manage")
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _after_action(
        request,
        session,
        lambda: (
            services.session_cancel(actor=request.user, request=request, session=session, reason=reason),
            messages.success(request, _("The session is cancelled.")),
        ),
    )


@permission_required("booking.manage")
@require_POST
def session_replace_view(request, pk: int):
    session = _session_for_user(request.user, pk, "booking.manage")
    return _after_action(
        request,
        session,
        lambda: (
            services.session_replace(actor=request.user, request=request, session=session),
            messages.success(request, _("A replacement session is added at the end of the course.")),
        ),
    )


@permission_required("session.record")
@require_POST
def session_outcome_view(request, pk: int):
    """Record an outcome, or (with a reason) correct one recorded by mistake."""
    session = _session_for_user(request.user, pk, "session.record")
    correcting = session.status != SessionStatus.SCHEDULED
    form = (CorrectOutcomeForm if correcting else OutcomeForm)(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    outcome, reason = data.get("outcome", ""), data.get("reason", "")
    back = request.POST.get("next") == "worklist"

    def record():
        if correcting:
            services.session_correct_outcome(
                actor=request.user, request=request, session=session, outcome=outcome, reason=reason
            )
            messages.success(request, _("The outcome is corrected: %(outcome)s.") % _outcome_of(session, outcome))
        else:
            services.session_record_outcome(actor=request.user, request=request, session=session, outcome=outcome)
            messages.success(request, _("%(patient)s, %(time)s: %(outcome)s.") % _outcome_of(session, outcome))

    response = _after_action(request, session, record)
    if back:
        day = session.start.astimezone(session.location.tz).date()
        return redirect(f"{reverse('scheduling:worklist')}?date={day.isoformat()}")
    return response


@permission_required("booking.manage")
@require_POST
def course_cancel_view(request, pk: int):
    course = _course_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    try:
        services.course_cancel(
            actor=request.user,
            request=request,
            course=course,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
        )
        messages.success(request, _("The course is cancelled."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(course)


@permission_required("calendar.view")
def free_slots_view(request):
    locations = _locations_of(request.user)
    refuse_other_location(request, locations)
    form = FreeSlotForm(request.GET or None, locations=locations)
    slots, closed, location = [], "", None
    if form.is_valid():
        location = form.cleaned_data["location"]
        slots, closed = selectors.free_slots(
            location=location, procedure=form.cleaned_data["procedure"], day=form.cleaned_data["date"]
        )
    with timezone.override(location.tz if location else timezone.get_current_timezone()):
        return render(
            request,
            "scheduling/free_slots.html",
            {"form": form, "slots": slots, "closed": closed},
            status=400 if form.errors else 200,
        )


@permission_required("session.record")
def worklist_view(request):
    location = next(iter(_locations_of(request.user)), None)
    tz = location.tz if location else timezone.get_current_timezone()
    try:
        day, date_error = query_date(request.GET, "date") or timezone.localdate(timezone=tz), None
    except ValidationError as error:
        day, date_error = timezone.localdate(timezone=tz), " ".join(error.messages)
    sessions = selectors.worklist(clinician=request.user, day=day, tz=tz)
    _mark_recordable(sessions)
    audit_sessions_read(request=request, sessions=sessions)
    reports = _open_reports(request)
    with timezone.override(tz):
        return render(
            request,
            "scheduling/worklist.html",
            {
                "reports": reports,
                "sessions": sessions,
                "day": day,
                "previous": day - datetime.timedelta(days=1),
                "next": day + datetime.timedelta(days=1),
                "date_error": date_error,
                "can_view_notes": allowed(request.user, "clinical.view"),
            },
            status=400 if date_error else 200,
        )


def _open_reports(request) -> list:
    """The problems patients reported after this clinician's sessions, still open: read like a list."""
    reports = report_selectors.open_reports_for_clinician(request.user)
    audit_list_read(
        request=request,
        record_type="scheduling.warningreport",
        ids=[r.pk for r in reports],
        patient_ids=[r.patient_id for r in reports],
    )
    return reports


@permission_required("booking.manage")
@require_http_methods(["GET", "POST"])
def closure_impact_view(request, pk: int):
    """The sessions a closure hits and the proposed re-plan; a POST confirms the proposal shown."""
    mine = Closure.objects.filter(location_id__in={location.pk for location in locations_of(request.user)})
    closure = get_object_or_404(mine.select_related("location"), pk=pk)
    applied = False
    with timezone.override(closure.location.tz):
        if request.method == "POST":
            try:
                proposals = services.closure_replan(
                    actor=request.user, closure=closure, expected=request.POST.get("expected", ""), request=request
                )
                applied = True
                messages.success(request, _("The re-plan is saved."))
            except ValidationError as error:
                messages.warning(request, " ".join(error.messages))
                proposals = services.closure_replan_preview(closure=closure)
            except services.BookingConflict as conflict:
                messages.error(request, str(conflict))
                proposals = services.closure_replan_preview(closure=closure)
        else:
            proposals = services.closure_replan_preview(closure=closure)
        sessions = list(services.closure_affected_sessions(closure))
        audit_sessions_read(request=request, sessions=sessions)
        return render(
            request,
            "scheduling/closure.html",
            {
                "closure": closure,
                "sessions": sessions,
                "proposals": proposals,
                "applied": applied,
                "fingerprint": services.fingerprint(proposals),
                "any_ok": any(p.ok for p in proposals),
            },
        )


@login_not_required
def public_request_view(request):
    """The clinic website's request form: no login, CSRF, a honeypot, a rate limit per IP."""
    form = BookingRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam:
            return render(request, "scheduling/request_thanks.html")  # say nothing to a bot
        data = {k: v for k, v in form.cleaned_data.items() if k != "website"}
        try:
            services.booking_request_submit(data=data, ip=client_ip(request))
        except ValidationError as error:
            apply_service_error(form, error)
            return render(request, "scheduling/request_form.html", {"form": form}, status=429)
        return render(request, "scheduling/request_thanks.html")
    return render(request, "scheduling/request_form.html", {"form": form})


@permission_required("booking.manage")
def closures_view(request):
    closures = Closure.objects.filter(
        ends_on__gte=timezone.localdate(), location_id__in={location.pk for location in locations_of(request.user)}
    ).select_related("location")
    return render(request, "scheduling/closures.html", {"closures": closures})

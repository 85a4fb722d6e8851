"""The registrar's calendar: the time grid (or the list), its day sheets, booking from a free gap,
and the JSON doors its drag-to-move uses (the move form's own service and messages)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.locations import locations_of, refuse_other_location
from audit.services import audit_list_read, audit_sessions_read
from core import dates
from core.dates import short_date
from core.policy import allowed, permission_required
from patients.selectors import patient_search

from . import selectors, services
from .forms import CalendarBookForm, CalendarForm, MoveForm
from .grid import calendar_frame, grid_data
from .models import SessionStatus


def _location_for(request, wanted):
    """The location asked for among the user's (403 for another one), else the user's first."""
    locations = locations_of(request.user)
    refuse_other_location(request, locations)
    return next((loc for loc in locations if loc.pk == wanted), locations[0] if locations else None), locations


def zone_note(locations, location) -> str:
    """ "Times: Europe/Moscow, UTC+03:00" for staff whose locations lie in several time zones (core.dates)."""
    if len({loc.time_zone for loc in locations}) < 2:
        return ""
    return _("Times: %(zone)s") % {"zone": dates.zone_label(location.tz)}


@permission_required("calendar.view")
def calendar_view(request):
    form = CalendarForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = 400 if form.errors else 200  # the page shows why (a date out of range, say), with today's grid
    location, locations = _location_for(request, data.get("location"))
    if location is None:
        return render(request, "scheduling/calendar.html", {"form": form, "location": None}, status=status)
    moving = _moving(request, data.get("move"))
    if moving is not None and moving.course.location_id != location.pk:
        location = moving.course.location
    tz = location.tz
    day = data.get("date") or (moving.start.astimezone(tz).date() if moving else timezone.localdate(timezone=tz))
    view, by, layout = data.get("view") or "day", data.get("by") or "clinician", data.get("layout") or "grid"
    grid = selectors.calendar(location=location, day=day, view=view, by=by, facts=True)  # facts: for the warnings
    frame = calendar_frame(location=location, first=grid["days"][0], last=grid["days"][-1])
    warnings = selectors.calendar_warnings(grid["sessions"], location, frame.closures)
    audit_sessions_read(request=request, sessions=grid["sessions"])
    context = {
        "form": form,
        "location": location,
        "locations": locations,
        "day": day,
        "view": view,
        "by": by,
        "layout": layout,
        **grid,
        "warnings": warnings,
        "previous": day - datetime.timedelta(days=7 if view == "week" else 1),
        "next": day + datetime.timedelta(days=7 if view == "week" else 1),
        "course_url": reverse("scheduling:course", args=[0])[:-2],
        "zone_note": zone_note(locations, location),
        "moving": moving,
        "can_manage": allowed(request.user, "booking.manage"),
    }
    if layout == "grid":
        context["grid"] = _grid_context(request, location, day, grid, frame, by, warnings, context)
    with timezone.override(tz):
        return render(request, "scheduling/calendar.html", context, status=status)


def _moving(request, session_id):
    """The session a registrar chose to move "on the calendar" (its move form's link), if any."""
    if not session_id or not allowed(request.user, "booking.manage"):
        return None
    session = selectors.session_get_for_user(request.user, session_id, action="booking.manage")
    return session if session.status == SessionStatus.SCHEDULED else None


def _grid_context(request, location, day, grid, frame, by, warnings, context) -> dict:
    now = timezone.now().astimezone(location.tz)
    data = grid_data(frame=frame, entries=grid["sessions"], days=grid["days"], by=by, warnings=warnings, now=now)
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=location.tz).strftime("%z")
    moving = context["moving"]
    data["options"] = {
        "view": "resourceTimeGridWeek" if context["view"] == "week" else "resourceTimeGridDay",
        "date": day.isoformat(),
        "hours": data.pop("hours"),
        "offset": f"{noon[:3]}:{noon[3:]}",
        "nowOffset": f"{now.strftime('%z')[:3]}:{now.strftime('%z')[3:]}",  # the location's, now
        "language": (request.LANGUAGE_CODE or "ru")[:2],
        "editable": context["can_manage"],
        "by": by,
        "location": location.pk,
        "bookUrl": reverse("scheduling:calendar-book") if context["can_manage"] else "",
        "previewUrl": reverse("scheduling:session-move-preview", args=[0]),
        "confirmUrl": reverse("scheduling:session-move-confirm", args=[0]),
        "moving": moving.pk if moving else None,
    }
    data["options"]["resources"] = data.pop("resources")
    data["options"]["events"] = data.pop("events")
    book = reverse("scheduling:calendar-book")
    for column in data["columns"]:
        for free in column.free:
            query = {"location": location.pk, "day": free["day"].isoformat()}
            if by == "clinician":
                query["clinician"] = column.id
            free["gaps"] = [
                {"from": a, "to": b, "url": f"{book}?{urlencode({**query, 'time': a})}"} for a, b in free["gaps"]
            ]
    return data


@permission_required("calendar.view")
def calendar_print_view(request):
    """A day sheet per clinician, for the printer: time, patient, procedure, n of m, room."""
    form = CalendarForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    location, _locations = _location_for(request, data.get("location"))
    if location is None:
        return render(request, "scheduling/calendar_print.html", {"location": None})
    day = data.get("date") or timezone.localdate(timezone=location.tz)
    grid = selectors.calendar(location=location, day=day, view="day", by="clinician")
    wanted = data.get("clinician")
    columns = [c for c in grid["columns"] if not wanted or c.key == wanted]
    audit_sessions_read(request=request, sessions=[s for c in columns for s in c.sessions])
    with timezone.override(location.tz):
        return render(
            request,
            "scheduling/calendar_print.html",
            {"location": location, "day": day, "columns": columns, "zone": location.time_zone},
        )


@permission_required("booking.manage")
def calendar_book_view(request):
    """A free gap chosen on the grid: find the patient, then the booking wizard starts at that time."""
    form = CalendarBookForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    location, _locations = _location_for(request, data.get("location"))
    context = {"form": form, "location": location, "patients": [], "chosen": bool(data.get("day") and data.get("time"))}
    if location is not None and context["chosen"]:
        tz = location.tz
        start = datetime.datetime.combine(data["day"], data["time"], tzinfo=tz)
        clinician = data.get("clinician")
        if clinician is not None and not clinician.locations.filter(pk=location.pk).exists():
            clinician = None  # a clinician of another branch is not offered here
        context["when"] = short_date(start.astimezone(tz), year=True, time=True)
        context["clinician"] = clinician
        context["calendar_url"] = (
            f"{reverse('scheduling:calendar')}?{urlencode({'location': location.pk, 'date': data['day']})}"
        )
        query = {"location": location.pk, "first_day": data["day"].isoformat()}
        query["preferred_time"] = data["time"].strftime("%H:%M")
        if clinician is not None:
            query["clinician"] = clinician.pk
        context["wizard_query"] = urlencode(query)
        if data.get("q"):
            found = patient_search(query=data["q"], limit=20, user=request.user)
            context["patients"], context["more_found"] = found.patients, found.has_next
            audit_list_read(request=request, record_type="patients.patient", ids=[p.pk for p in context["patients"]])
    return render(request, "scheduling/calendar_book.html", context, status=400 if form.errors else 200)


def _code(error: ValidationError) -> str:
    return getattr(error, "code", None) or next((e.code for e in error.error_list if e.code), "") or "invalid"


def _move_input(request, pk):
    session = selectors.session_get_for_user(request.user, pk, action="booking.manage")
    form = MoveForm(request.POST)
    if not form.is_valid():
        problems = [_("Give the new date and time."), *form.errors.get("day", [])]
        return session, None, JsonResponse({"ok": False, "problems": problems}, status=400)
    data = form.cleaned_data
    tz = session.course.location.tz
    return session, (datetime.datetime.combine(data["day"], data["time"], tzinfo=tz), data), None


@permission_required("booking.manage")
@require_POST
def session_move_preview_view(request, pk: int):
    """What dropping a session at a time would do: the move form's proposal, as JSON. Writes nothing."""
    session, parsed, refused = _move_input(request, pk)
    if refused:
        return refused
    new_start, data = parsed
    tz = session.course.location.tz
    with timezone.override(tz):
        try:
            proposal = services.session_move_proposal(
                session=session, new_start=new_start, shift_following=data["shift_following"]
            )
        except ValidationError as error:
            return JsonResponse({"ok": False, "problems": error.messages, "code": _code(error)}, status=400)
        following = session.course.sessions.filter(status=SessionStatus.SCHEDULED, start__gt=session.start).count()
        table = render_to_string("scheduling/_replan_table.html", {"replan": proposal.replan}, request=request)
        return JsonResponse(
            {
                "ok": proposal.ok,
                "problems": proposal.all_problems,
                "fingerprint": proposal.fingerprint(),
                "following": following,
                "table": table,
                "summary": _("%(patient)s: %(old)s → %(new)s")
                % {
                    "patient": session.patient.full_name,
                    "old": short_date(session.start.astimezone(tz), time=True),
                    "new": short_date(new_start, time=True),
                },
            }
        )


@permission_required("booking.manage")
@require_POST
def session_move_confirm_view(request, pk: int):
    """Apply the proposal shown (its fingerprint): the move form's service, all or nothing."""
    session, parsed, refused = _move_input(request, pk)
    if refused:
        return refused
    new_start, data = parsed
    if not data["expected"]:
        return JsonResponse({"ok": False, "problems": [_("Look at the proposal first.")]}, status=400)
    with timezone.override(session.course.location.tz):
        try:
            moved = services.session_move(
                actor=request.user,
                request=request,
                session=session,
                new_start=new_start,
                shift_following=data["shift_following"],
                expected=data["expected"],
            )
        except ValidationError as error:
            return JsonResponse({"ok": False, "problems": error.messages, "code": _code(error)}, status=409)
        except services.BookingConflict as conflict:
            return JsonResponse({"ok": False, "problems": [str(conflict)], "code": "conflict"}, status=409)
    text = ngettext("Moved %(n)d session.", "Moved %(n)d sessions.", len(moved)) % {"n": len(moved)}
    messages.success(request, text)  # shown by the calendar page the script reloads
    return JsonResponse({"ok": True, "moved": [s.pk for s in moved], "message": text})

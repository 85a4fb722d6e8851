"""The booking wizard: what and when, the proposal (editable), confirm: all sessions or none."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.locations import locations_of, refuse_other_location
from core.policy import permission_required
from patients.selectors import patient_get_for_user

from . import inbox, services
from .forms import (
    BookingForm,
    CombinedRowFormSet,
    SessionRowFormSet,
)
from .planner import course_price


def _rows_of(proposed, tz) -> list[dict]:
    return [
        {"day": s.start.astimezone(tz).date(), "time": s.start.astimezone(tz).time(), "clinician": s.clinician_id}
        for s in proposed
    ]


def _specs_from_rows(formset, tz):
    return [
        services.SessionSpec(
            datetime.datetime.combine(f.cleaned_data["day"], f.cleaned_data["time"], tzinfo=tz),
            f.cleaned_data["clinician"].pk,
        )
        for f in formset.forms
        if f.cleaned_data
    ]


@permission_required("booking.manage")
@require_http_methods(["GET", "POST"])
def book_course_view(request, patient_pk: int):
    """Step 1: what and when; step 2: the proposal, editable; step 3: confirm, all or nothing."""
    patient = patient_get_for_user(request.user, patient_pk)
    locations = locations_of(request.user)
    refuse_other_location(request, locations)
    initial = inbox.wizard_initial(request.GET, patient=patient, locations=locations)
    form = BookingForm(request.POST or None, initial=initial, locations=locations)
    context = {"patient": patient, "form": form, "from_request": inbox.wizard_request(request.user, request.GET)}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        location, procedure = data["location"], data["procedure"]
        if request.POST.get("action") == "confirm":
            rows = SessionRowFormSet(request.POST, prefix="s")
            # A client that shows no combined sessions of its own posts no "c" forms at all.
            extra_rows = CombinedRowFormSet(request.POST if "c-TOTAL_FORMS" in request.POST else None, prefix="c")
            if rows.is_valid() and (not extra_rows.is_bound or extra_rows.is_valid()):
                try:
                    with timezone.override(location.tz):
                        course = services.course_book(
                            actor=request.user,
                            request=request,
                            patient=patient,
                            procedure=procedure,
                            location=location,
                            specs=_specs_from_rows(rows, location.tz),
                            combined_procedure=data["combined_procedure"],
                            combined_sessions=_specs_from_rows(extra_rows, location.tz) if extra_rows.is_bound else [],
                            preceding_treatment=form.preceding_treatment(),
                            acknowledge_outside_healing_phase=data["acknowledge_outside_healing_phase"],
                        )
                except (ValidationError, services.BookingConflict) as error:
                    context["errors"] = getattr(error, "messages", [str(error)])
                    codes = {e.code for e in getattr(error, "error_list", [])}
                    context["ask_acknowledge"] = "outside_healing_phase" in codes
                else:
                    messages.success(request, _("The course is booked."))
                    return redirect(course)
            context.update(
                rows=rows,
                extra_rows=extra_rows,
                location=location,
                procedure=procedure,
                price=course_price(procedure.price_per_session, len(rows.forms), procedure.course_discount_percent),
            )
        else:
            plan = services.course_preview(
                patient=patient,
                procedure=procedure,
                location=location,
                count=data["count"],
                first_day=data["first_day"],
                preferred_time=data["preferred_time"],
                window=(data["window_from"], data["window_to"]),
                clinician_id=data["clinician"].pk if data["clinician"] else None,
                combined_procedure=data["combined_procedure"],
                combined_count=data["combined_count"],
                preceding_treatment=form.preceding_treatment(),
            )
            rows = SessionRowFormSet(prefix="s", initial=_rows_of(plan.sessions, location.tz))
            extra_rows = CombinedRowFormSet(prefix="c", initial=_rows_of(plan.companion_rest, location.tz))
            # Why the plan cannot be booked, once each, above the table (the rows say which dates).
            # The plan's problems already sum up the course's own sessions' reasons, once per reason
            # (services.coverage); the combined procedure's are listed here, once each.
            ineligible = list(
                dict.fromkeys(str(r) for s in plan.sessions if s.companion for r in s.companion.ineligible)
            )
            not_eligible = bool(ineligible) or any(s.ineligible for s in plan.sessions)
            context.update(
                plan=plan,
                ask_acknowledge=plan.outside_healing_phase,
                ineligible=ineligible,
                not_eligible=not_eligible,
                rows=rows,
                extra_rows=extra_rows,
                location=location,
                procedure=procedure,
                price=course_price(procedure.price_per_session, data["count"], procedure.course_discount_percent),
            )
    with timezone.override(context.get("location", next(iter(locations), patient.home_location)).tz):
        return render(request, "scheduling/book.html", context)

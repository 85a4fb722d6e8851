"""The front desk's waiting list: entries at their locations in order of waiting, with every offer made."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.locations import locations_of, refuse_other_location
from audit.services import audit_list_read
from core.forms import apply_service_error
from core.policy import permission_required
from patients.selectors import patient_get_for_user

from .models import WaitlistStatus
from .services.waitlist import waitlist_entry_create, waitlist_entry_withdraw
from .waitlist_forms import WaitlistEntryForm
from .waitlist_selectors import waitlist_entry_get_for_user, waitlist_visible_to

SHOWN = 200


@permission_required("waitlist.manage")
def waitlist_view(request):
    status = request.GET.get("status", WaitlistStatus.WAITING)
    if status not in WaitlistStatus.values:
        status = WaitlistStatus.WAITING
    locations = locations_of(request.user)
    refuse_other_location(request, locations)
    location_id = int(request.GET["location"]) if request.GET.get("location", "").isdigit() else None
    entries = list(waitlist_visible_to(request.user, status=status, location_id=location_id)[:SHOWN])
    audit_list_read(
        request=request,
        record_type="scheduling.waitlistentry",
        ids=[e.pk for e in entries],
        patient_ids=[e.patient_id for e in entries],
    )
    return render(
        request,
        "scheduling/waitlist.html",
        {
            "entries": entries,
            "status": status,
            "statuses": WaitlistStatus.choices,
            "locations": locations,
            "location_id": location_id,
        },
    )


@permission_required("waitlist.manage")
@require_http_methods(["GET", "POST"])
def waitlist_add_view(request, patient_pk: int):
    patient = patient_get_for_user(request.user, patient_pk, action="booking.manage")
    locations = locations_of(request.user)
    refuse_other_location(request, locations)
    form = WaitlistEntryForm(request.POST or None, locations=locations, initial={"location": patient.home_location_id})
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_entry_create(actor=request.user, patient=patient, request=request, **form.service_arguments())
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(name)s is on the waiting list.") % {"name": patient.full_name})
            return redirect("scheduling:waitlist")
    return render(
        request,
        "scheduling/waitlist_form.html",
        {"form": form, "patient": patient},
        status=400 if form.errors else 200,
    )


@permission_required("waitlist.manage")
@require_POST
def waitlist_withdraw_view(request, pk: int):
    entry = waitlist_entry_get_for_user(request.user, pk)
    try:
        waitlist_entry_withdraw(actor=request.user, entry=entry, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Taken off the waiting list."))
    return redirect("scheduling:waitlist")

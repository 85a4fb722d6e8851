"""The website-request inbox's pages: the list, one request (find, register, book, close)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import audit_list_read
from core.forms import apply_service_error
from core.policy import permission_required
from patients.forms import PatientSearchForm
from patients.registration import patient_register_from_form
from patients.selectors import patient_search

from . import inbox, services
from .forms import RequestCloseForm
from .models import BookingRequestStatus


@permission_required("requests.handle")
def requests_inbox_view(request):
    status = request.GET.get("status", BookingRequestStatus.NEW)
    if status not in BookingRequestStatus.values:
        status = BookingRequestStatus.NEW
    items = inbox.booking_requests_visible_to(request.user).filter(status=status)
    items = list(items.select_related("procedure", "patient", "session")[:200])
    audit_list_read(
        request=request,
        record_type="scheduling.bookingrequest",
        ids=[i.pk for i in items],
        patient_ids=[i.patient_id for i in items if i.patient_id],
    )
    return render(
        request,
        "scheduling/requests.html",
        {"items": items, "status": status, "statuses": BookingRequestStatus.choices},
    )


@permission_required("requests.handle")
def request_detail_view(request, pk: int):
    """One request: find its patient (search results only), register a new one, book, close."""
    booking_request = inbox.booking_request_get_for_user(request.user, pk)
    form = RequestCloseForm(user=request.user, booking_request=booking_request)
    return _request_page(request, booking_request, form)


def _request_page(request, booking_request, form, status: int = 200):
    search = PatientSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() and search.cleaned_data["q"] else booking_request.phone
    page = patient_search(query=query, limit=20, user=request.user)
    found = list(page.patients)
    if booking_request.patient and booking_request.patient not in found:
        found.insert(0, booking_request.patient)
    context = {
        "item": booking_request,
        "form": form,
        "query": query,
        "found": found,
        "more_found": page.has_next,
        "wizard_query": urlencode(inbox.wizard_query(booking_request)),
    }
    return render(request, "scheduling/request.html", context, status=status)


@permission_required("requests.handle")
@require_POST
def request_close_view(request, pk: int):
    booking_request = inbox.booking_request_get_for_user(request.user, pk)
    form = RequestCloseForm(request.POST, user=request.user, booking_request=booking_request)
    if form.is_valid():
        try:
            services.booking_request_close(
                actor=request.user,
                booking_request=booking_request,
                status=form.cleaned_data["status"],
                patient=form.cleaned_data["patient"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The request is closed."))
            return redirect("scheduling:requests")
    return _request_page(request, booking_request, form, status=400)


@permission_required("patient.register")
@permission_required("requests.handle")
@require_http_methods(["GET", "POST"])
def request_register_view(request, pk: int):
    """Register the patient a request is from (name and phone prefilled) and link them to it."""
    booking_request = inbox.booking_request_get_for_user(request.user, pk)
    prefill = {"full_name": booking_request.name[:200], "phone": booking_request.phone[:40]}
    patient, form = patient_register_from_form(request, prefill)
    if patient is not None:
        try:
            inbox.booking_request_link_patient(actor=request.user, booking_request=booking_request, patient=patient)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("scheduling:request", pk=booking_request.pk)
    return render(request, "patients/form.html", {"form": form, "title": _("Register the patient of this request")})

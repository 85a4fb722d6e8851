from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.locations import locations_of
from audit.services import audit_list_read
from core.forms import apply_service_error
from core.policy import allowed, permission_required

from .forms import MAX_PAGES, PatientForm, PatientSearchForm
from .models import Patient
from .registration import patient_register_from_form
from .search import is_phone_query
from .selectors import patient_get_for_user, patient_search
from .services import patient_update

PAGE_SIZE = 50


@permission_required("patient.view")
def patient_list_view(request):
    form = PatientSearchForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})  # a page out of range still searches for what was typed
    query, number = data.get("q") or "", data.get("page") or 1
    page = patient_search(query=query, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE, user=request.user)
    audit_list_read(request=request, record_type="patients.patient", ids=[p.pk for p in page.patients])
    return render(
        request,
        "patients/list.html",
        {
            "form": form,
            "patients": page.patients,
            "query": query,
            "patient_url": reverse("patient-detail", args=[0])[:-2],  # one reverse, not one per row
            "page_number": number,
            "previous_url": _page_url(query, number - 1) if number > 1 else "",
            "next_url": _page_url(query, number + 1) if page.has_next and number < MAX_PAGES else "",
            "last_page_full": page.has_next and number >= MAX_PAGES,
            # How the results are ordered, said only when there are some, in the terms of what was typed.
            "ranking": ("phone" if is_phone_query(query) else "name") if query and page.patients else "",
            "can_register": allowed(request.user, "patient.register"),
        },
    )


def _page_url(query: str, number: int) -> str:
    params = {"q": query} if query else {}
    if number > 1:
        params["page"] = number
    return "?" + urlencode(params) if params else "?"


@permission_required("patient.register")
@require_http_methods(["GET", "POST"])
def patient_create_view(request):
    prefill = {k: request.GET[k][:200] for k in ("full_name", "phone") if request.GET.get(k)}
    patient, form = patient_register_from_form(request, prefill)
    if patient is not None:
        return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "title": _("Register a patient")})


@permission_required("patient.edit")
@require_http_methods(["GET", "POST"])
def patient_edit_view(request, pk: int):
    patient = patient_get_for_user(request.user, pk)
    form = PatientForm(request.POST or None, instance=patient, locations=locations_of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            patient_update(
                actor=request.user, request=request, patient=Patient.objects.get(pk=pk), **form.service_fields()
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "title": _("Edit patient"), "patient": patient})

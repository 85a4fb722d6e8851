from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.locations import locations_of
from audit.services import audit_list_read
from core.policy import allowed, permission_required

from .forms import PatientForm, PatientSearchForm
from .models import Patient
from .selectors import patient_get_for_user, patient_list
from .services import patient_register, patient_update


def patient_for_user(user, pk: int) -> Patient:
    """Fetch a patient the user may see, or 404/403: the one way views reach a patient."""
    return patient_get_for_user(user, pk)


def apply_service_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form: field errors where named, else the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@permission_required("patient.view")
def patient_list_view(request):
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    patients = list(patient_list(query=query, limit=50, user=request.user))
    audit_list_read(request=request, record_type="patients.patient", ids=[p.pk for p in patients])
    return render(
        request,
        "patients/list.html",
        {
            "form": form,
            "patients": patients,
            "query": query,
            "can_register": allowed(request.user, "patient.register"),
        },
    )


@permission_required("patient.register")
@require_http_methods(["GET", "POST"])
def patient_create_view(request):
    prefill = {k: request.GET[k][:200] for k in ("full_name", "phone") if request.GET.get(k)}
    patient, form = patient_register_from_form(request, prefill)
    if patient is not None:
        return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "title": _("Register a patient")})


def patient_register_from_form(request, prefill: dict) -> tuple[Patient | None, PatientForm]:
    """The registration form, prefilled; on a valid POST the registered patient (else None) and the form.
    Home locations offered are the registrar's own; with one, it is chosen for her."""
    locations = locations_of(request.user)
    if len(locations) == 1:  # a registrar of one clinic registers patients of that clinic
        prefill = {**prefill, "home_location": locations[0].pk}
    form = PatientForm(request.POST or None, initial=prefill, locations=locations)
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_register(
                actor=request.user,
                request=request,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                **form.service_fields(),
            )
        except ValidationError as error:
            apply_service_error(form, error)
            if any(e.code == "possible_duplicate" for e in getattr(error, "error_list", [])):
                form.show_duplicate_confirmation()
        else:
            from django.contrib import messages

            messages.success(request, _("The patient is registered."))
            return patient, form
    return None, form


@permission_required("patient.edit")
@require_http_methods(["GET", "POST"])
def patient_edit_view(request, pk: int):
    patient = patient_for_user(request.user, pk)
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


@permission_required("patient.data_protection")
def data_protection_view(request):
    """Administrators find a patient to export their data or anonymise them."""
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    patients = list(patient_list(query=query, limit=50)) if query else []
    audit_list_read(request=request, record_type="patients.patient", ids=[p.pk for p in patients])
    return render(request, "patients/data_protection.html", {"form": form, "patients": patients, "query": query})


@permission_required("patient.data_protection")
def patient_export_view(request, pk: int):
    """Everything held about one patient, as a JSON download."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.http import HttpResponse

    from .data_protection import export_patient

    patient = get_object_or_404(Patient.objects.select_related("home_location"), pk=pk)
    data = export_patient(actor=request.user, patient=patient, request=request)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.json"'
    return response


@permission_required("patient.data_protection")
@require_http_methods(["GET", "POST"])
def patient_anonymise_view(request, pk: int):
    from django.contrib import messages

    from .data_protection import anonymise_patient
    from .forms import AnonymiseForm

    patient = get_object_or_404(Patient.objects.select_related("home_location"), pk=pk)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            anonymise_patient(actor=request.user, patient=patient, reason=form.cleaned_data["reason"], request=request)
            messages.success(request, _("The patient is anonymised. Their clinical records are kept."))
            return redirect("patients:data-protection")
        except ValidationError as error:
            apply_service_error(form, error)
    status = 400 if form.errors else 200
    return render(request, "patients/anonymise.html", {"form": form, "patient": patient}, status=status)

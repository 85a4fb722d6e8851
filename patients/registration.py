"""Registering a patient from a page: the form and the service together, for any app's views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.locations import locations_of
from core.events import patient_registered
from core.forms import apply_service_error

from .forms import PatientForm, PatientRegistrationForm
from .models import Patient
from .services import patient_register


def patient_register_from_form(request, prefill: dict) -> tuple[Patient | None, PatientForm]:
    """The registration form, prefilled; on a valid POST the registered patient (else None) and the form.
    Home locations offered are the registrar's own; with one, it is chosen for her."""
    locations = locations_of(request.user)
    if len(locations) == 1:  # a registrar of one clinic registers patients of that clinic
        prefill = {**prefill, "home_location": locations[0].pk}
    form = PatientRegistrationForm(request.POST or None, initial=prefill, locations=locations)
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
            patient_registered.send(
                sender=Patient,
                request=request,
                actor=request.user,
                patient=patient,
                personal_data_consent=form.cleaned_data["personal_data_consent"],
            )
            messages.success(request, _("The patient is registered."))
            return patient, form
    return None, form

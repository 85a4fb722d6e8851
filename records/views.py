"""The whole-patient pages: the patient's record (identity, eligibility, clinical records, courses),
and the administrators' data-protection pages (export, anonymise)."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.locations import locations_of
from audit.models import Action
from audit.services import audit_list_read, audit_record
from core.forms import apply_service_error
from core.policy import allowed, permission_required
from patients.forms import AnonymiseForm, PatientSearchForm
from patients.models import Patient
from patients.selectors import patient_get_for_user, patient_list
from portal.forms import InviteForm
from portal.models import CalendarFeed
from procedures import selectors as clinical_selectors
from reminders.models import Channel
from scheduling import report_selectors
from scheduling.models import Course, SessionNote

from .services import anonymise_patient, export_patient


@permission_required("patient.view")
def patient_record_view(request, pk: int):
    """The patient page: identity, eligibility, screenings, ice tests and courses."""
    patient = patient_get_for_user(request.user, pk)
    summary = clinical_selectors.patient_clinical_summary(patient=patient, viewer=request.user)
    courses = list(
        Course.objects.filter(patient=patient).select_related("procedure", "location").order_by("-created_at")
    )
    notes = _session_notes(patient) if summary.clinical else []
    reports = report_selectors.patient_reports(patient) if summary.clinical else []
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=patient,
        record=patient,
        detail={
            "screenings": summary.screening_ids,
            "ice_tests": summary.ice_test_ids,
            "clinical": summary.clinical,
            "session_notes": [n.pk for n in notes],
            "warning_reports": [r.pk for r in reports],
        },
    )
    return render(
        request,
        "records/patient_record.html",
        {
            "patient": patient,
            "summary": summary,
            "courses": courses,
            "session_notes": notes,
            "warning_reports": reports,
            "can_edit": allowed(request.user, "patient.edit"),
            "can_record": allowed(request.user, "clinical.record"),
            "can_book": allowed(request.user, "booking.manage"),
            "portal": _portal_status(request.user, patient),
            "my_location_ids": {location.pk for location in locations_of(request.user)},
        },
    )


def _session_notes(patient) -> list:
    """The newest version of each of the patient's session notes, in session order."""
    newest = (
        SessionNote.objects.filter(patient=patient)
        .select_related("signed_by", "session__course__procedure", "session__location")
        .order_by("chain", "-version")
        .distinct("chain")
    )
    return sorted(newest, key=lambda n: n.session.start)


def _portal_status(user, patient) -> dict | None:
    """For a registrar: has the patient a portal login, and a calendar address? (One query.)"""
    if not allowed(user, "booking.manage"):
        return None
    return {
        "has_login": patient.user_id is not None,
        "feed": CalendarFeed.objects.filter(patient=patient).first(),
        "invite_form": InviteForm(initial={"channel": Channel.EMAIL if patient.email else Channel.SMS}),
    }


@permission_required("patient.data_protection")
def data_protection_view(request):
    """Administrators find a patient to export their data or anonymise them."""
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    patients = list(patient_list(query=query, limit=50)) if query else []
    audit_list_read(request=request, record_type="patients.patient", ids=[p.pk for p in patients])
    return render(request, "records/data_protection.html", {"form": form, "patients": patients, "query": query})


@permission_required("patient.data_protection")
def patient_export_view(request, pk: int):
    """Everything held about one patient, as a JSON download."""
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
    patient = get_object_or_404(Patient.objects.select_related("home_location"), pk=pk)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            anonymise_patient(actor=request.user, patient=patient, reason=form.cleaned_data["reason"], request=request)
            messages.success(request, _("The patient is anonymised. Their clinical records are kept."))
            return redirect("records:data-protection")
        except ValidationError as error:
            apply_service_error(form, error)
    status = 400 if form.errors else 200
    return render(request, "records/anonymise.html", {"form": form, "patient": patient}, status=status)

"""The patient's own consents in the portal: "My consents", sign or refuse with a code, withdraw,
download the PDF. Everything is looked up through the signed-in patient: another's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.http import no_store
from core.policy import permission_required
from patients.models import Patient

from . import selectors, services
from .forms import WithdrawForm
from .models import Decision
from .views import code_flow, pdf_response


def _own_patient(request) -> Patient:
    patient = Patient.objects.select_related("home_location").filter(user=request.user).first()
    if patient is None:
        raise Http404
    return patient


def _own_procedure_ids(patient) -> set[int]:
    # "courses" is the scheduling app's reverse name: read by name, as patients.selectors does.
    return set(patient.courses.values_list("procedure_id", flat=True))


@permission_required("portal.use")
def my_consents_view(request):
    patient = _own_patient(request)
    mine = _own_procedure_ids(patient)
    rows = [
        row
        for row in selectors.patient_form_statuses(patient)
        if row.consent is not None or row.template.procedure_id is None or row.template.procedure_id in mine
    ]
    return no_store(render(request, "consents/portal_list.html", {"patient": patient, "rows": rows}))


@permission_required("portal.use")
@require_http_methods(["GET", "POST"])
def portal_form_view(request, template_pk: int):
    patient = _own_patient(request)
    template = selectors.template_get(template_pk)
    context, consent = code_flow(request, patient=patient, template=template)
    if consent is not None:
        if consent.decision == Decision.REFUSED:
            messages.warning(request, _("The refusal is recorded."))
        else:
            messages.success(request, _("The consent is signed."))
        return redirect("consents:portal-list")
    return no_store(render(request, "consents/portal_form.html", context))


@permission_required("portal.use")
def portal_pdf_view(request, pk: int):
    return pdf_response(request, selectors.consent_get_for_patient(_own_patient(request), pk))


@permission_required("portal.use")
@require_POST
def portal_withdraw_view(request, pk: int):
    consent = selectors.consent_get_for_patient(_own_patient(request), pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("consents:portal-list")
    try:
        services.consent_withdraw(
            actor=request.user, consent=consent, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The consent is withdrawn."))
    return redirect("consents:portal-list")

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import audit_record
from core.forms import apply_service_error
from core.policy import allowed, permission_required, require
from patients.selectors import patient_get_for_user, patients_visible_to

from . import selectors, services
from .forms import IceTestForm, ProcedureChoiceForm, ScreeningForm, corrected_moment
from .models import Contraindication, IceTest, Indication, Screening


def _screening_for_user(user, pk: int) -> Screening:
    require(user, "clinical.view")
    return get_object_or_404(
        Screening.objects.filter(patient__in=patients_visible_to(user)).select_related("patient"), pk=pk
    )


def _ice_test_for_user(user, pk: int) -> IceTest:
    require(user, "clinical.view")
    return get_object_or_404(
        IceTest.objects.filter(patient__in=patients_visible_to(user)).select_related("patient"), pk=pk
    )


def _render_history(request, record, chain, template: str, name: str):
    """A screening's or ice test's page: every version, newest first. Reading it is audited."""
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=record.patient,
        record=record,
        detail={"versions": [r.pk for r in chain]},
    )
    return render(
        request,
        template,
        {
            name: next(r for r in chain if r.pk == record.pk),
            "chain": chain,
            "patient": record.patient,
            "is_current": chain[0].pk == record.pk,
            "can_record": allowed(request.user, "clinical.record"),
        },
    )


@permission_required("catalogue.view")
def catalogue_view(request):
    return render(request, "procedures/catalogue.html", {"procedures": selectors.catalogue()})


def _audit_form_read(request, record) -> None:
    """A correction form shows every clinical answer on record: opening it is audited like a read."""
    if request.method == "GET":
        audit_record(
            request=request, action=Action.VIEW, patient=record.patient, record=record, detail={"form": "amend"}
        )


def _screening_form(request, procedures, *, amend=False, initial=None, previous=None):
    contraindications = (
        Contraindication.objects.filter(procedures__in=procedures, active=True).distinct().order_by("slug")
    )
    indications = Indication.objects.filter(procedures__in=procedures, active=True).distinct().order_by("slug")
    return ScreeningForm(
        request.POST or None,
        contraindications=contraindications,
        indications=indications,
        amend=amend,
        previous=previous,
        initial=initial,
    )


@permission_required("clinical.record")
@require_http_methods(["GET", "POST"])
def screening_create_view(request, patient_pk: int):
    patient = patient_get_for_user(request.user, patient_pk)
    choice = ProcedureChoiceForm(request.GET or None)
    if not choice.is_valid():
        return render(request, "procedures/screening_choose.html", {"patient": patient, "choice": choice})
    procedures = list(choice.cleaned_data["procedures"])
    form = _screening_form(request, procedures)
    if request.method == "POST" and form.is_valid():
        try:
            screening = services.screening_sign(
                actor=request.user,
                request=request,
                patient=patient,
                procedures=procedures,
                answers=form.answers(),
                indication_ids=form.indication_ids(),
                complaints=form.cleaned_data["complaints"],
                scalp_notes=form.cleaned_data["scalp_notes"],
                fitzpatrick=form.cleaned_data["fitzpatrick"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The screening is signed."))
            return redirect("procedures:screening", pk=screening.pk)
    return render(
        request, "procedures/screening_form.html", {"patient": patient, "form": form, "procedures": procedures}
    )


@permission_required("clinical.view")
def screening_detail_view(request, pk: int):
    screening = _screening_for_user(request.user, pk)
    chain = selectors.screening_chain(screening, clinical=True)
    return _render_history(request, screening, chain, "procedures/screening_detail.html", "screening")


@permission_required("clinical.record")
@require_http_methods(["GET", "POST"])
def screening_amend_view(request, pk: int):
    previous = _screening_for_user(request.user, pk)
    _audit_form_read(request, previous)
    procedures = list(previous.procedures.all())
    form = _screening_form(
        request, procedures, amend=True, initial=ScreeningForm.initial_from(previous), previous=previous
    )
    if request.method == "POST" and form.is_valid():
        try:
            screening = services.screening_amend(
                actor=request.user,
                request=request,
                previous=previous,
                reason=form.cleaned_data["amendment_reason"],
                procedures=procedures,
                answers=form.answers(),
                indication_ids=form.indication_ids(),
                complaints=form.cleaned_data["complaints"],
                scalp_notes=form.cleaned_data["scalp_notes"],
                fitzpatrick=form.cleaned_data["fitzpatrick"],
                examined_at=corrected_moment(form, "examined_at"),
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The correction is signed as a new version."))
            return redirect("procedures:screening", pk=screening.pk)
    return render(
        request,
        "procedures/screening_form.html",
        {"patient": previous.patient, "form": form, "procedures": procedures, "amending": previous},
    )


@permission_required("clinical.record")
@require_http_methods(["GET", "POST"])
def ice_test_create_view(request, patient_pk: int):
    patient = patient_get_for_user(request.user, patient_pk)
    form = IceTestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            test = services.ice_test_record(
                actor=request.user,
                request=request,
                patient=patient,
                performed_at=form.cleaned_data["performed_at"],
                **form.observations(),
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("The ice test is recorded: %(result)s.") % {"result": _("passed") if test.passed else _("failed")},
            )
            return redirect("procedures:ice-test", pk=test.pk)
    return render(request, "procedures/ice_test_form.html", {"patient": patient, "form": form})


@permission_required("clinical.view")
def ice_test_detail_view(request, pk: int):
    test = _ice_test_for_user(request.user, pk)
    chain = selectors.ice_test_chain(test)
    return _render_history(request, test, chain, "procedures/ice_test_detail.html", "test")


@permission_required("clinical.record")
@require_http_methods(["GET", "POST"])
def ice_test_amend_view(request, pk: int):
    previous = _ice_test_for_user(request.user, pk)
    _audit_form_read(request, previous)
    initial = {
        k: getattr(previous, k)
        for k in ("area", "exposure_seconds", "discomfort", "redness", "itching", "other_reaction")
    }
    form = IceTestForm(request.POST or None, amend=True, previous=previous, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            test = services.ice_test_amend(
                actor=request.user,
                request=request,
                previous=previous,
                reason=form.cleaned_data["amendment_reason"],
                performed_at=corrected_moment(form, "performed_at"),
                **form.observations(),
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The correction is signed as a new version."))
            return redirect("procedures:ice-test", pk=test.pk)
    return render(
        request, "procedures/ice_test_form.html", {"patient": previous.patient, "form": form, "amending": previous}
    )

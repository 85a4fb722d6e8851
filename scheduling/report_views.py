"""A patient's warning report as a clinician reads it (audited), its photo, and what was done about it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import audit_record
from core.forms import apply_service_error
from core.http import no_store
from core.policy import allowed, permission_required

from . import report_selectors, services
from .report_forms import WarningReportActionForm
from .services.reports import may_act_on


@permission_required("clinical.view")
@require_http_methods(["GET", "POST"])
def warning_report_view(request, pk: int):
    """The report, its photo and the actions so far; a clinician of the location appends an action."""
    report = report_selectors.warning_report_get_for_user(request.user, pk)
    can_act = allowed(request.user, "clinical.record") and may_act_on(request.user, report)
    form = WarningReportActionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_act:
            raise Http404  # a clinician of another location never learns more than a 404
        if form.is_valid():
            try:
                services.warning_report_record_action(
                    actor=request.user, report=report, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("What was done is recorded."))
                return redirect(report)
        status = 400
    actions = report_selectors.report_actions(report)
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=report.patient_id,
        record=report,
        detail={"actions": [a.pk for a in actions]},
    )
    with timezone.override(report.session.location.tz):
        return no_store(
            render(
                request,
                "scheduling/warning_report.html",
                {"report": report, "actions": actions, "form": form, "can_act": can_act and not report.resolved_at},
                status=status,
            )
        )


@permission_required("clinical.view")
def warning_report_photo_view(request, pk: int):
    """The report's photo, only through this view: the private storage has no public URL."""
    report = report_selectors.warning_report_get_for_user(request.user, pk)
    if not report.photo:
        raise Http404
    audit_record(request=request, action=Action.VIEW, patient=report.patient_id, record=report, detail={"photo": True})
    response = FileResponse(report.photo.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="report-{report.pk}.jpg"'
    return no_store(response)

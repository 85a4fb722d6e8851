"""A patient reports a problem after a session: from the portal (signed in) or by the aftercare
message's signed link (reminders.links; no password, good for that one session only).

An urgent sign shows the branch's phone at once, before anything else on the page that follows.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import audit_record
from core.forms import apply_service_error
from core.http import no_store, token_landing
from core.policy import permission_required
from scheduling.models import Session, WarningReport, WarningReportVia
from scheduling.services import report_problems, warning_report_create
from scheduling.services.reports import PHOTO_MAX_BYTES

from . import services
from .forms import WarningReportForm
from .session_links import SESSION_LINK_KEY, check_session_link

REPORT_LINK_KEY = "report_link"
BODY_ALLOWANCE = 256 * 1024  # the form's other fields and the multipart framing


def _too_large(request) -> bool:
    """A body far past the photo's limit is refused before it is read (a file would go to disk first)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > PHOTO_MAX_BYTES + BODY_ALLOWANCE
    except ValueError:
        return True


def _report_form_page(request, session, *, via: str):
    """The form on GET; on POST the report is made and the thanks page shown (or the form again)."""
    problem = report_problems(session)
    if request.method == "POST" and not problem and _too_large(request):
        error = _("The photo is too large: at most %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 2**20}
        return _form_response(request, session, WarningReportForm(), problem, via, status=413, error=error)
    form = WarningReportForm(request.POST or None, request.FILES or None)
    status = 409 if problem else 200
    if request.method == "POST" and not problem:
        if form.is_valid():
            try:
                report = warning_report_create(
                    patient=session.patient,
                    session=session,
                    via=via,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                return report
        status = 400
    return _form_response(request, session, form, problem, via, status=status)


def _form_response(request, session, form, problem, via, *, status, error=""):
    with timezone.override(session.location.tz):
        return no_store(
            render(
                request,
                "portal/report_form.html",
                {"session": session, "form": form, "problem": problem, "via": via, "error": error},
                status=status,
            )
        )


def _thanks(request, report, *, status=200, answered=None):
    context = {"report": report, "answered": answered}
    with timezone.override(report.session.location.tz):
        return no_store(render(request, "portal/report_thanks.html", context, status=status))


@permission_required("portal.use")
@require_http_methods(["GET", "POST"])
def session_report_view(request, pk: int):
    """Report a problem after one of my sessions (the session is found through me: another's is 404)."""
    session = services.own_session(request.user, pk)
    result = _report_form_page(request, session, via=WarningReportVia.PORTAL)
    if isinstance(result, WarningReport):
        return redirect("portal:warning-report", result.pk)
    return result


@permission_required("portal.use")
def warning_report_view(request, pk: int):
    """My report as sent, with the clinic's phone first when it is urgent."""
    report = services.own_report(request.user, pk)
    audit_record(request=request, action=Action.VIEW, patient=report.patient_id, record=report)
    # The patient learns that the clinic has answered (and when), not the clinician's notes.
    first = report.actions.order_by("recorded_at").values_list("recorded_at", flat=True).first()
    return _thanks(request, report, answered=first)


@login_not_required
def session_link_report_landing_view(request, token: str):
    """The aftercare message's link: checked, kept in the session, then the form at a URL without it."""
    session = check_session_link(request, token)
    if not isinstance(session, Session):
        return session  # the page that refuses the link
    return token_landing(request, key=REPORT_LINK_KEY, value=token, next_name="session-link-report-page")


@login_not_required
@require_http_methods(["GET", "POST"])
def session_link_report_view(request):
    """The form for the session the link named. After sending, the thanks page; the report is not
    shown again by the link (the link can be forwarded; reading reports needs signing in)."""
    token = request.session.get(REPORT_LINK_KEY) or request.session.get(SESSION_LINK_KEY, "")
    session = check_session_link(request, token)
    if not isinstance(session, Session):
        return session
    with translation_override(session.patient.preferred_language):
        result = _report_form_page(request, session, via=WarningReportVia.LINK)
        if isinstance(result, WarningReport):
            request.session.pop(REPORT_LINK_KEY, None)
            return _thanks(request, result)
        return result

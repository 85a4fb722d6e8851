"""The page a reminder's link opens: the session it names, with confirm and cancel, without signing in."""

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override
from django.views.decorators.http import require_http_methods

from core.http import no_referrer, no_store, token_landing
from reminders.links import read_session_link
from scheduling import services
from scheduling.models import Session

SESSION_LINK_KEY = "session_link"


@login_not_required
@require_http_methods(["GET", "POST"])
def session_link_view(request, token: str):
    """A reminder's link. A GET keeps the token in the session and sends the browser to /s/, a
    URL without it: the page there has forms, and a page with Referrer-Policy: no-referrer makes
    browsers post with "Origin: null", which CSRF protection rightly refuses."""
    if request.method == "POST":
        return _session_link_page(request, token)
    refused = check_session_link(request, token)
    if not isinstance(refused, Session):
        return refused
    return token_landing(request, key=SESSION_LINK_KEY, value=token, next_name="session-link-page")


@login_not_required
@require_http_methods(["GET", "POST"])
def session_link_page_view(request):
    """The session a reminder's link named, with confirm and cancel. Good for that session only."""
    return _session_link_page(request, request.session.get(SESSION_LINK_KEY, ""))


def check_session_link(request, token: str):
    """The session a link names, or the page that refuses the link."""
    try:
        session_id, sequence = read_session_link(token)
    except signing.SignatureExpired:
        return _link_refused(request, _("This link has expired. Please call the clinic."))
    except signing.BadSignature:
        return _link_refused(request, _("This link is not valid."))
    session = (
        Session.objects.select_related("course__procedure", "location", "clinician", "patient")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        return _link_refused(request, _("This link is not valid."))
    if session.sequence != sequence:
        return _link_refused(
            request,
            _(
                "This session has been moved or changed since the link was sent. "
                "Please use the newest reminder, or call %(phone)s."
            )
            % {"phone": session.location.phone},
        )
    return session


def _session_link_page(request, token: str):
    session = check_session_link(request, token)
    if not isinstance(session, Session):
        return session
    message, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.session_confirm_by_patient(session=session, request=request)
                message = _("Thank you: your attendance is confirmed.")
            elif action == "cancel":
                services.session_cancel_by_patient(session=session, request=request)
                message = _("Your session is cancelled.")
            else:
                message, status = _("Unknown action."), 400
        except ValidationError as error:
            message, status = " ".join(error.messages), 409
        session.refresh_from_db()
    with timezone.override(session.location.tz), translation_override(session.patient.preferred_language):
        response = render(
            request,
            "portal/session_link.html",
            {
                "session": session,
                "message": message,
                "can_cancel": services.can_change_online(session),
                "can_report": not services.report_problems(session),
            },
            status=status,
        )
    return no_store(response)  # Referrer-Policy: same-origin, as on every page: no token in this URL


def _link_refused(request, message):
    return no_referrer(render(request, "portal/session_link.html", {"session": None, "message": message}, status=400))

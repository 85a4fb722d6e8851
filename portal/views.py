"""The patient portal: own schedule, progress, calendar, confirm, cancel, ask to move; and the ways in.

Every page that shows a session looks it up through the signed-in patient (services.own_session),
so another patient's id answers 404. Pages reached by a token send Referrer-Policy: no-referrer.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import apply_service_error
from core.http import no_referrer, no_store, token_landing
from core.net import client_ip
from core.policy import permission_required
from patients.selectors import patient_get_for_user
from scheduling.models import Course
from scheduling.progress import session_numbers
from scheduling.services import can_change_online, session_cancel_by_patient, session_confirm_by_patient

from . import ics, selectors, services
from .forms import InviteForm, MoveRequestForm, SignInLinkForm
from .models import CalendarFeed, LinkPurpose

LINK_SESSION_KEY = "portal_link"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _in_patient_time(patient):
    return timezone.override(patient.home_location.tz)


# ---------------------------------------------------------------- pages for the signed-in patient


@permission_required("portal.use")
def portal_home_view(request):
    """Upcoming sessions with what to do before, course progress, past sessions, aftercare, contacts."""
    patient = selectors.home_patient(request.user)
    if patient is None:
        return render(request, "portal/home.html", {"patient": None})
    with _in_patient_time(patient):
        return render(
            request,
            "portal/home.html",
            {"patient": patient, "location": patient.home_location, "overview": selectors.overview(patient)},
        )


@permission_required("portal.use")
@require_POST
def session_confirm_view(request, pk: int):
    session = services.own_session(request.user, pk)
    try:
        session_confirm_by_patient(session=session, request=request)
        messages.success(request, _("Thank you: your attendance is confirmed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal:home")


@permission_required("portal.use")
@require_http_methods(["GET", "POST"])
def session_cancel_view(request, pk: int):
    """A page that asks once more, then cancels within the notice policy; after it, the phone number."""
    session = services.own_session(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            session_cancel_by_patient(session=session, request=request)
            messages.success(request, _("Your session is cancelled."))
            return redirect("portal:home")
        except ValidationError as refused:
            error = " ".join(refused.messages)
    with _in_patient_time(session.patient):
        return render(
            request,
            "portal/cancel.html",
            {"session": session, "error": error, "can_cancel": can_change_online(session)},
            status=409 if error else 200,
        )


@permission_required("portal.use")
@require_http_methods(["GET", "POST"])
def session_move_request_view(request, pk: int):
    """Ask the clinic to move a session: it lands in the registrar inbox."""
    session = services.own_session(request.user, pk)
    form = MoveRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.ask_to_move(session=session, **form.cleaned_data)
            messages.success(request, _("Your request is sent. The clinic will call you to agree on a new time."))
            return redirect("portal:home")
        except ValidationError as error:
            apply_service_error(form, error)
            status = 409
    elif request.method == "POST":
        status = 400
    with _in_patient_time(session.patient):
        return render(
            request,
            "portal/move_request.html",
            {"session": session, "form": form, "can_change": can_change_online(session)},
            status=status,
        )


def _ics_response(sessions, patient, filename: str) -> HttpResponse:
    sessions = list(sessions)
    body = ics.build_calendar(
        sessions,
        language=patient.preferred_language,
        name=patient.home_location.name,
        numbers=session_numbers(sessions),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return no_referrer(response)


@permission_required("portal.use")
def course_ics_view(request, pk: int):
    """One course as an .ics file to import."""
    patient = services.own_patient(request.user)
    if patient is None:
        raise Http404
    course = get_object_or_404(Course, pk=pk, patient=patient)
    sessions = selectors.patient_sessions(patient, course_id=course.pk)
    return _ics_response(sessions, patient, f"course-{course.pk}.ics")


@permission_required("portal.use")
@require_http_methods(["GET", "POST"])
def calendar_view(request):
    """The personal feed: create (the address is shown once), re-create or revoke."""
    patient = services.own_patient(request.user)
    if patient is None:
        raise Http404
    secret = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_revoke(actor=request.user, patient=patient, request=request)
            messages.success(request, _("The calendar address no longer works."))
            return redirect("portal:calendar")
        secret = services.feed_create(actor=request.user, patient=patient, request=request)
    feed = CalendarFeed.objects.filter(patient=patient).first()
    with _in_patient_time(patient):  # "made on", "last read on": the clinic's time zone
        return no_store(render(request, "portal/calendar.html", _feed_context(request, patient, feed, secret)))


def _feed_context(request, patient, feed, secret):
    url = request.build_absolute_uri(reverse("calendar-feed", args=[secret])) if secret else ""
    webcal = "webcal://" + url.split("://", 1)[1] if url else ""
    is_owner = patient.user_id == request.user.pk
    return {"patient": patient, "feed": feed, "feed_url": url, "webcal_url": webcal, "is_owner": is_owner}


@login_not_required
def feed_view(request, secret: str):
    """The subscribed calendar: the secret is the only key, so an unknown one is a plain 404."""
    patient = services.feed_patient(secret)
    if patient is None:
        raise Http404
    sessions = selectors.patient_sessions(patient, since=timezone.now() - timedelta(days=90))
    return _ics_response(sessions, patient, "sessions.ics")


# ---------------------------------------------------------------- the ways in


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in_view(request):
    """Ask for a one-time link. The answer is the same whether or not we know the phone or email."""
    form = SignInLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_sign_in_link(contact=form.cleaned_data["contact"], ip=client_ip(request))
        except ValidationError as error:
            apply_service_error(form, error)
            status = 429 if getattr(error, "code", "") == "throttled" else 400
            return render(request, "portal/sign_in.html", {"form": form}, status=status)
        return render(
            request, "portal/sign_in.html", {"form": None, "sent": True, "minutes": settings.PORTAL_LINK_MINUTES}
        )
    return render(request, "portal/sign_in.html", {"form": form}, status=400 if form.errors else 200)


def _landing(request, token: str, purpose: str, next_name: str):
    """Check the token, keep it in the session and send the browser to a URL without it."""
    try:
        services.check_link(token, purpose)
    except services.LinkRefused as refused:
        return _refused(request, refused)
    return token_landing(request, key=LINK_SESSION_KEY, value={"token": token, "purpose": purpose}, next_name=next_name)


def _refused(request, refused):
    request.session.pop(LINK_SESSION_KEY, None)
    response = render(request, "portal/link.html", {"error": refused.message, "code": refused.code}, status=400)
    return no_referrer(response)


def _current_link(request, purpose: str):
    """(token, link) kept in the session by the landing view, or (refusal page, None)."""
    stash = request.session.get(LINK_SESSION_KEY) or {}
    token = stash.get("token", "") if stash.get("purpose") == purpose else ""
    try:
        return token, services.check_link(token, purpose)
    except services.LinkRefused as refused:
        return _refused(request, refused), None


@login_not_required
def link_landing_view(request, token: str):
    return _landing(request, token, LinkPurpose.SIGN_IN, "portal:link")


@login_not_required
@require_http_methods(["GET", "POST"])
def link_view(request):
    """'Sign in' button for a one-time link. A GET never uses the link up (mail scanners open links)."""
    token, link = _current_link(request, LinkPurpose.SIGN_IN)
    if link is None:
        return token  # the refusal page
    if request.method == "POST":
        try:
            user = services.redeem_link(token, LinkPurpose.SIGN_IN, request=request)
        except services.LinkRefused as refused:
            return _refused(request, refused)
        request.login_method = "link:sign_in"  # for the audit trail's sign-in event
        login(request, user, backend=MODEL_BACKEND)  # a new session key; the stash goes with the old one
        return redirect("portal:home")
    # No token in this URL, and a form on the page: the usual same-origin policy (a no-referrer
    # page makes browsers post with "Origin: null", which CSRF protection refuses).
    return no_store(render(request, "portal/link.html", {"link": link}))


@login_not_required
def welcome_landing_view(request, token: str):
    return _landing(request, token, LinkPurpose.INVITE, "portal:welcome")


@login_not_required
@require_http_methods(["GET", "POST"])
def welcome_view(request):
    """An invitation: choose a password, then you are signed in."""
    token, link = _current_link(request, LinkPurpose.INVITE)
    if link is None:
        return token  # the refusal page
    user = services.portal_user(link.patient)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.redeem_link(token, LinkPurpose.INVITE, request=request)
        except services.LinkRefused as refused:
            return _refused(request, refused)
        form.user = user
        form.save()
        request.login_method = "link:invite"
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, _("Your password is set. Next time, sign in with your phone or email."))
        return redirect("portal:home")
    status = 400 if form.errors else 200
    return no_store(render(request, "portal/welcome.html", {"form": form, "link": link}, status=status))


# ---------------------------------------------------------------- what a registrar does for a patient


@permission_required("booking.manage")
@require_POST
def invite_view(request, patient_pk: int):
    patient = patient_get_for_user(request.user, patient_pk, action="booking.manage")
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose email or SMS."))
    else:
        try:
            services.invite(actor=request.user, patient=patient, channel=form.cleaned_data["channel"], request=request)
            messages.success(request, _("The invitation is sent."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect(patient.get_absolute_url())


@permission_required("booking.manage")
@require_http_methods(["POST"])
def staff_feed_view(request, patient_pk: int):
    """Revoke a patient's calendar address, or make a new one to give them (shown once)."""
    patient = patient_get_for_user(request.user, patient_pk, action="booking.manage")
    if request.POST.get("action") == "revoke":
        services.feed_revoke(actor=request.user, patient=patient, request=request)
        messages.success(request, _("The calendar address no longer works."))
        return redirect(patient.get_absolute_url())
    secret = services.feed_create(actor=request.user, patient=patient, request=request)
    feed = CalendarFeed.objects.get(patient=patient)
    with _in_patient_time(patient):  # "made on", "last read on": the clinic's time zone
        return no_store(render(request, "portal/calendar.html", _feed_context(request, patient, feed, secret)))

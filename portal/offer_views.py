"""The waiting list in the portal: joining and leaving it, and the page an offer's link opens (Accept or Decline).

No password: the token is the key, like a reminder's link. It names one offer, works until the offer
is answered or expires, and is kept in the session so the page with the forms has no token in its URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Location
from core.forms import apply_service_error
from core.http import no_referrer, no_store, token_landing
from core.policy import permission_required
from scheduling.models import WaitlistEntry, WaitlistVia
from scheduling.services.waitlist import (
    offer_get_by_token,
    offer_is_open,
    offer_plan,
    waitlist_entry_create,
    waitlist_entry_withdraw,
    waitlist_offer_accept,
    waitlist_offer_decline,
)
from scheduling.waitlist_forms import WaitlistEntryForm

from .services import own_patient

OFFER_KEY = "waitlist_offer"


@permission_required("portal.use")
@require_http_methods(["GET", "POST"])
def waitlist_join_view(request):
    """The patient puts themselves on the waiting list: what, where, which days and times."""
    patient = own_patient(request.user)
    if patient is None:
        return redirect("portal:home")
    locations = list(Location.objects.order_by("name"))
    form = WaitlistEntryForm(
        request.POST or None, locations=locations, portal=True, initial={"location": patient.home_location_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_entry_create(
                actor=request.user, patient=patient, via=WaitlistVia.PORTAL, request=request, **form.service_arguments()
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("You are on the waiting list. We will write when a time frees up."))
            return redirect("portal:home")
    return render(request, "portal/waitlist_form.html", {"form": form}, status=400 if form.errors else 200)


@permission_required("portal.use")
@require_POST
def waitlist_withdraw_view(request, pk: int):
    """The patient leaves the list; only their own entries are ever found."""
    entry = get_object_or_404(WaitlistEntry, pk=pk, patient__user=request.user)
    try:
        waitlist_entry_withdraw(actor=request.user, entry=entry, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have left the waiting list."))
    return redirect("portal:home")


@login_not_required
@require_http_methods(["GET"])
def offer_landing_view(request, token: str):
    """The link itself: a known offer's token goes into the session, the browser to a URL without it."""
    if offer_get_by_token(token) is None:
        return _refused(request, _("This link is not valid."))
    return token_landing(request, key=OFFER_KEY, value=token, next_name="portal:offer-page")


@login_not_required
@require_http_methods(["GET", "POST"])
def offer_page_view(request):
    token = request.session.get(OFFER_KEY, "")
    offer = offer_get_by_token(token) if token else None
    if offer is None:
        return _refused(request, _("This link is not valid."))
    entry = offer.entry
    message, status, booked = "", 200, None
    with timezone.override(entry.location.tz), translation_override(entry.patient.preferred_language):
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "accept":
                    answer = waitlist_offer_accept(token=token, request=request)
                    message, booked = answer.message, answer.course
                    status = 200 if answer.booked else 409
                elif action == "decline":
                    waitlist_offer_decline(token=token, request=request)
                    message = _("You declined this time: you stay on the waiting list.")
                else:
                    message, status = _("Unknown action."), 400
            except ValidationError as error:
                message, status = " ".join(error.messages), 409
            offer.refresh_from_db()
        is_open = offer_is_open(offer)
        plan = offer_plan(entry, start=offer.start, clinician_id=offer.clinician_id) if is_open else None
        if not is_open and not message:
            message = _("This offer is no longer open: it was answered, or it has expired.")
        response = render(
            request,
            "portal/offer.html",
            {"offer": offer, "entry": entry, "plan": plan, "open": is_open, "message": message, "booked": booked},
            status=status,
        )
    return no_store(response)


def _refused(request, message):
    return no_referrer(render(request, "portal/offer.html", {"offer": None, "message": message}, status=404))

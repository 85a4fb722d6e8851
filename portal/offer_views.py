"""The page a waiting-list offer's link opens: the freed time and the course it starts, Accept or Decline.

No password: the token is the key, like a reminder's link. It names one offer, works until the offer
is answered or expires, and is kept in the session so the page with the forms has no token in its URL.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override
from django.views.decorators.http import require_http_methods

from core.http import no_referrer, no_store, token_landing
from scheduling.services.waitlist import (
    offer_get_by_token,
    offer_is_open,
    offer_plan,
    waitlist_offer_accept,
    waitlist_offer_decline,
)

OFFER_KEY = "waitlist_offer"


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

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetView
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from core import events
from core.api import json_error, json_not_found, json_permission_denied, json_server_error
from core.branding import clinic
from core.limits import limit_key, over_limit
from core.net import client_ip
from core.outage import outage_response
from core.policy import permission_required
from core.roles import Role

from .contacts import canonical_email
from .tokens import token_revoke, tokens_of

ROLE_HOMES = [
    (Role.REGISTRAR, "patients:list"),
    (Role.CLINICIAN, "scheduling:worklist"),
    (Role.ADMINISTRATOR, "admin:index"),
    (Role.PATIENT, "portal:home"),
]


def home(request):
    """Send each user to the page their role starts from."""
    for role, url_name in ROLE_HOMES:
        if request.user.has_role(role):
            return redirect(url_name)
    raise PermissionDenied


@login_not_required
@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the static icon, not a 404.

    A temporary redirect, so that a new icon (a new hashed file name) is picked up within a day."""
    return redirect(static("favicon.ico"))


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    events.refused(request)
    if request.path.startswith("/api/"):
        return json_permission_denied(request, exception)
    return render(request, "403.html", status=403)


def server_error(request):
    outage = outage_response(request)  # the database or a Redis counter is away: 503, not 500
    if outage is not None:
        return outage
    if request.path.startswith("/api/"):
        return json_server_error(request)
    return render(request, "500.html", status=500)


def locked_out(request, credentials, *args, **kwargs):
    """django-axes' answer once a username or an address has failed too often: 429, say for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        message = ngettext(
            "Too many failed attempts. Try again in %(minutes)s minute.",
            "Too many failed attempts. Try again in %(minutes)s minutes.",
            minutes,
        ) % {"minutes": minutes}
        return json_error("locked_out", message, 429)
    return render(request, "registration/locked.html", {"minutes": minutes}, status=429)


@permission_required("api_token.own")
def api_tokens_view(request):
    """The signed-in user's API tokens: name, when made, last used, when they expire; each can be revoked."""
    context = {"tokens": list(tokens_of(request.user)), "days": settings.API_TOKEN_DAYS}
    return render(request, "accounts/api_tokens.html", context)


@require_POST
@permission_required("api_token.own")
def api_token_revoke_view(request, pk: int):
    """Revoke one of the user's own tokens (another user's id is simply not found)."""
    if not tokens_of(request.user).filter(pk=pk).exists() or not token_revoke(
        actor=request.user, token_id=pk, request=request
    ):
        raise Http404
    messages.success(request, _("The token is revoked: it no longer opens the API."))
    return redirect("api-tokens")


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset form, throttled per address and per client, counted alike for known and unknown
    addresses, so the limit says nothing about who has an account."""

    def form_valid(self, form):
        address = canonical_email(form.cleaned_data["email"]) or form.cleaned_data["email"].strip().lower()
        per_address = over_limit(
            limit_key("password-reset-address", address), settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR, 3600
        )
        per_ip = over_limit(
            limit_key("password-reset-ip", client_ip(self.request) or "unknown"),
            settings.PASSWORD_RESETS_PER_IP_PER_HOUR,
            3600,
        )
        if per_address or per_ip:
            form.add_error(None, _("Too many requests. Please wait a few minutes and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        # The e-mail names the clinic ("... your account at Клиника «Трихо»"), not the server's host name.
        self.extra_email_context = {"site_name": clinic().name}
        return super().form_valid(form)

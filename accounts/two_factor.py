"""Two-factor sign-in for staff (django-otp): an authenticator app (TOTP) and one-time recovery codes.

After the password, a user with a confirmed device must give a code before any other page; users
of the roles in OTP_REQUIRED_ROLES (administrators) must first set a device up. What the session
still owes is decided once, at sign-in, and kept in the session, so pages pay no query for it.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import events
from core.roles import STAFF_ROLES

SESSION_KEY = "second_factor"  # "verify": a code is owed; "setup": a device must be set up first
RECOVERY_CODES = 10


def owed(request) -> str:
    return request.session.get(SESSION_KEY, "")


@receiver(user_logged_in, dispatch_uid="two-factor-at-login")
def _at_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if any(devices_for_user(user, confirmed=True)):
        request.session[SESSION_KEY] = "verify"
    elif user.has_role(*settings.OTP_REQUIRED_ROLES):
        request.session[SESSION_KEY] = "setup"
    else:
        request.session.pop(SESSION_KEY, None)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
def verify_view(request):
    """The second step of signing in: a code from the app, or a recovery code (each works once)."""
    if owed(request) != "verify":
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            request.session.pop(SESSION_KEY, None)
            events.record(request=request, action="login", detail={"method": "second_factor"})
            return redirect(_safe_next(request))
        events.record(request=request, action="login_failed", detail={"second_factor": True})
        form.add_error("code", _("This code is not valid. Try the next one from your app."))
    status = 400 if form.errors else 200
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request)}, status=status
    )


def _new_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@require_http_methods(["GET", "POST"])
def setup_view(request):
    """Set up an authenticator app: scan the code, type what it shows; then save the recovery codes."""
    import segno

    user = request.user
    if not user.has_role(*STAFF_ROLES):
        raise PermissionDenied
    if owed(request) == "verify":
        return redirect("two-factor-verify")
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        codes = None
        if request.method == "POST" and request.POST.get("action") == "recovery":
            codes = _new_recovery_codes(user)
            events.record(request=request, action="update", detail={"second_factor": "new recovery codes"})
        remaining = StaticToken.objects.filter(device__user=user).count()
        return render(
            request, "registration/two_factor_setup.html", {"confirmed": True, "codes": codes, "remaining": remaining}
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].replace(" ", "")):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(user)
                events.record(request=request, action="update", detail={"second_factor": "set up"})
            otp_login(request, device)
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "registration/two_factor_setup.html", {"confirmed": True, "codes": codes})
        form.add_error("code", _("This code is not valid. Check the time on your phone and try the next one."))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "qr": qr, "secret": _base32(device.bin_key), "required": owed(request) == "setup"},
        status=400 if form.errors else 200,
    )


def _base32(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

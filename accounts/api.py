"""The API's way in: a token for a password and, where the user has one, a second-factor code."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user, match_token
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tokens
from .views import locked_out


class TokenInSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=254, help_text=gettext_lazy("Login name, or a patient's phone or email.")
    )
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    code = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Required when the user has a second factor: a code from the app, or a recovery code."),
    )
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text=gettext_lazy("What the token is for.")
    )


class TokenApi(APIView):
    """POST username, password (and the second-factor code where one is set up) for an API token.

    Locked out like the login page (django-axes); a wrong code counts as a failed sign-in there too.
    """

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenInSerializer,
        responses={
            200: inline_serializer(
                "TokenOut",
                {
                    "token": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                    "name": serializers.CharField(),
                },
            ),
            400: OpenApiResponse(description="authorization, otp_required or otp_invalid"),
            403: OpenApiResponse(description="second_factor_required"),
            429: OpenApiResponse(description="locked_out"),
        },
    )
    def post(self, request):
        data = TokenInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        django_request = request._request
        user = authenticate(django_request, username=fields["username"], password=fields["password"])
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                return locked_out(django_request, None)
            raise exceptions.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        _check_second_factor(django_request, user, fields)
        raw, token = tokens.token_issue(user=user, name=fields.get("name", ""), request=django_request)
        return Response({"token": raw, "expires_at": token.expires_at, "name": token.name})


def _check_second_factor(request, user, fields) -> None:
    """A user with a confirmed device must send a valid code; a role that needs one must have one."""
    if not any(devices_for_user(user, confirmed=True)):
        if user.has_role(*settings.OTP_REQUIRED_ROLES):
            raise exceptions.PermissionDenied(
                _("Set up a second factor (Two-factor, after signing in on the web) before asking for a token."),
                code="second_factor_required",
            )
        return
    code = (fields.get("code") or "").replace(" ", "")
    if not code:
        raise exceptions.ValidationError(
            {"code": [exceptions.ErrorDetail(_("Give the code from your authenticator app."), code="otp_required")]}
        )
    if match_token(user, code) is None:
        # django-otp slows the next tries down; django-axes counts this as a failed sign-in of the account.
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        raise exceptions.ValidationError(
            {"code": [exceptions.ErrorDetail(_("This code is not valid. Try the next one."), code="otp_invalid")]}
        )

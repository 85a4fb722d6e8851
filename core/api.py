"""API plumbing shared by every app: one JSON error shape with a machine-readable code."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import events
from .dates import AwareDateTimeField  # noqa: F401  (its home is core.dates)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


def _first_code(detail) -> str | None:
    if isinstance(detail, list):
        for item in detail:
            code = _first_code(item)
            if code:
                return code
    elif isinstance(detail, dict):
        for item in detail.values():
            code = _first_code(item)
            if code:
                return code
    else:
        return getattr(detail, "code", None)
    return None


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            field: [exceptions.ErrorDetail(str(m), code=e.code or "invalid") for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in exc.error_list for m in e.messages]
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    """Answer every API error as {"error": {"code", "message", "fields"?}}."""
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    detail = exc.detail if isinstance(exc, exceptions.APIException) else None
    body = {"code": getattr(exc, "default_code", "error"), "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = _first_code(detail) or "invalid"
        if isinstance(detail, dict):
            fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
            non_field = fields.pop("non_field_errors", None)
            body["message"] = " ".join(non_field) if non_field else _("Some fields are not valid.")
            if fields:
                body["fields"] = fields
        else:
            messages = [str(m) for m in (detail if isinstance(detail, list) else [detail])]
            body["message"] = " ".join(messages)
    else:
        if isinstance(exc, exceptions.APIException):
            body["code"] = _first_code(detail) or exc.default_code
        body["message"] = str(detail) if detail is not None else str(exc)
    if response.status_code == status.HTTP_403_FORBIDDEN and context.get("request") is not None:
        events.refused(context["request"])
    answer = Response({"error": body}, status=response.status_code)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            answer[header] = response[header]
    return answer


def json_error(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status_code)


def json_not_found(request, exception: Http404 | None = None) -> JsonResponse:
    return json_error("not_found", _("Not found."), 404)


def json_permission_denied(request, exception: PermissionDenied | None = None) -> JsonResponse:
    return json_error("permission_denied", _("You do not have permission to perform this action."), 403)


def json_server_error(request) -> JsonResponse:
    return json_error("server_error", _("Something went wrong on our side. Please try again later."), 500)

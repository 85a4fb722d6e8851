"""API plumbing shared by every app: one JSON error shape with a machine-readable code.

    {"error": {"code": "booking_conflict", "message": "...",
               "fields": {"sessions[2].start": ["..."]},          # 400: each field's problems
               "problems": ["...", "..."],                          # several problems not of a field
               "conflicts": [{"session_number": 3, "start": "...",  # 409 booking_conflict
                              "clashes_with": "clinician", "detail": "..."}]}}

`code` and `message` are always there; the other three only when they have something to say.
ErrorSerializer is that shape for the OpenAPI schema (core.schema puts it on every error).
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from . import events
from .dates import AwareDateTimeField  # noqa: F401  (its home is core.dates)

CLASHES_WITH = ["clinician", "resource", "patient"]


class Conflict(exceptions.APIException):
    """409. `conflicts`: dicts of ClashSerializer's fields, one per clash, listed in the answer."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("The request conflicts with the current state.")

    def __init__(self, detail=None, code=None, conflicts=None):
        super().__init__(detail, code)
        self.conflicts = list(conflicts or [])


class ClashSerializer(serializers.Serializer):
    session_number = serializers.IntegerField(help_text="The session's number in what was sent (1, 2, ...).")
    start = serializers.DateTimeField()
    clashes_with = serializers.ChoiceField(
        choices=CLASHES_WITH, help_text="What another booking holds then: the clinician, a room/device, the patient."
    )
    detail = serializers.CharField(help_text="The same in a sentence, in the request's language.")


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: not_found, booking_conflict, min_length ...")
    message = serializers.CharField(help_text="For a person, in the request's language (Accept-Language).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field (or path: sessions[0].start) -> its problems.",
    )
    problems = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Several problems that belong to no one field."
    )
    conflicts = ClashSerializer(many=True, required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


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


def _flat(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {path: [messages]}: sessions -> [...], sessions[2].start -> [...]."""
    out: dict[str, list[str]] = {}

    def add(found: dict[str, list[str]]) -> None:
        for name, messages in found.items():
            out.setdefault(name, []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                add(_flat(value, path))
            elif isinstance(key, int):
                add(_flat(value, f"{path}[{key}]"))
            else:
                add(_flat(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            add(_flat(item, f"{path}[{index}]") if isinstance(item, (dict, list)) else {path: [str(item)]})
    else:
        add({path: [str(detail)]})
    return out


def _validation_body(detail) -> dict:
    body = {"code": _first_code(detail) or "invalid"}
    fields = _flat(detail) if isinstance(detail, dict) else {"": [str(m) for m in _leaves(detail)]}
    general = fields.pop("", [])
    body["message"] = " ".join(general) if general else _("Some fields are not valid.")
    if len(general) > 1:
        body["problems"] = general
    if fields:
        body["fields"] = fields
    return body


def _leaves(detail) -> list:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _leaves(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _leaves(value)]
    return [detail]


def exception_handler(exc, context):
    """Answer every API error as {"error": {"code", "message", "fields"?, "problems"?, "conflicts"?}}."""
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
    if isinstance(exc, exceptions.ValidationError):
        body = _validation_body(detail)
    else:
        body = {"code": getattr(exc, "default_code", "error"), "message": ""}
        if isinstance(exc, exceptions.APIException):
            body["code"] = _first_code(detail) or exc.default_code
        body["message"] = str(detail) if detail is not None else str(exc)
    if getattr(exc, "conflicts", None):
        body["conflicts"] = ClashSerializer(exc.conflicts, many=True).data
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

"""The API's JSON parser: DRF's, refusing a body nested deeper than any request of ours needs.

And the door before it: the API takes JSON bodies only (JsonBodiesOnlyMiddleware), but for the few
file uploads settings.API_MULTIPART_PATHS names.
"""

import codecs
import re

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_DEPTH = 20  # the deepest body we take (a course with its sessions) nests 3 levels
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class DepthLimitedJSONParser(JSONParser):
    """Python's json raises RecursionError near 1,000 levels (a 500): refuse deep bodies first, with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (ValueError, LookupError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        if json_depth(text) > MAX_DEPTH:
            raise ParseError(
                ngettext(
                    "The JSON body is nested too deeply (more than %(n)d level).",
                    "The JSON body is nested too deeply (more than %(n)d levels).",
                    MAX_DEPTH,
                )
                % {"n": MAX_DEPTH},
                code="json_too_deep",
            )
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None


def _has_body(request) -> bool:
    return request.META.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in request.META


def _multipart_limit(path: str) -> int | None:
    """The body limit of an API path that takes a file upload (settings.API_MULTIPART_PATHS), else None."""
    for pattern, limit in getattr(settings, "API_MULTIPART_PATHS", {}).items():
        if re.fullmatch(pattern, path):
            return limit
    return None


def _multipart_refusal(request, limit: int) -> JsonResponse | None:
    """A file upload's body: multipart with a boundary, and not past its limit (refused before it is read).

    Another body goes on to the view, whose parser answers 415 after the permission check (401, 403 first).
    """
    if request.content_type != "multipart/form-data":
        return None
    if not request.content_params.get("boundary"):
        message = _("Send the file as multipart/form-data.")
        return JsonResponse({"error": {"code": "unsupported_media_type", "message": message}}, status=415)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = limit + 1
    if length > limit:
        message = _("The upload is too large: at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        return JsonResponse({"error": {"code": "request_too_large", "message": message}}, status=413)
    return None


class JsonBodiesOnlyMiddleware:
    """Under /api/, a body or a Content-Type that is not JSON is 415, before anything reads it.

    DRF would say so itself, but middleware that reads request.POST first (RejectNulMiddleware)
    leaves it an empty body to parse (a form post was answered "username: this field is required"),
    and a `multipart/form-data` without a boundary made that read raise (a 500). A POST with no
    body and no Content-Type (confirming a session) passes.

    The one exception: the paths of settings.API_MULTIPART_PATHS (a check's photo upload) take
    multipart only, with a boundary and within their byte limit. A photo as base64 JSON would be a
    third larger and read whole into memory; multipart streams the file to disk.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH"):
            limit = _multipart_limit(request.path)
            if limit is not None:
                refusal = _multipart_refusal(request, limit)
                if refusal is not None:
                    return refusal
            elif (
                _has_body(request) or request.META.get("CONTENT_TYPE")
            ) and request.content_type != JSONParser.media_type:
                message = _('Unsupported media type "{media_type}" in request.').format(media_type=request.content_type)
                return JsonResponse({"error": {"code": "unsupported_media_type", "message": message}}, status=415)
        return self.get_response(request)

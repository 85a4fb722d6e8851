"""The OpenAPI schema's house rules: every operation documents its errors, with the one error shape.

drf-spectacular documents an operation's success only. A generated client (openapi-python-client)
then has no type for a 400 or a 409, and a fuzzer calls every refusal "undocumented". This
AutoSchema adds, to each operation, the errors it can answer, each with core.api.ErrorSerializer:

- 400 where the operation takes a body or query parameters, 415 where it takes a body (JSON only);
- 401 and 403 where it needs a signed-in caller;
- 404 where its path names a record;
- 503 everywhere (core.outage: the database or Redis briefly out of reach), with Retry-After;
- any other error a view declares itself (409, 429 ...), given the error schema when it has none.

And a public operation (no authentication classes) says it needs no credentials at all: `security`
left out rather than `[{}]`, which generators read as "a token is required".
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from .api import ErrorSerializer

ERRORS = {
    400: "Not valid: `code` says why; `fields` lists each field's problems (nested ones by path, "
    "`sessions[0].start`), `problems` the rest, in the request's language (Accept-Language).",
    401: "No credentials, or a token that is not valid (`authentication_failed`) or has expired "
    "(`token_expired`). Send `Authorization: Bearer <token>` (or `Token <token>`).",
    403: "The caller's role or location does not allow it (`permission_denied`).",
    404: "No such record, or none the caller may see (`not_found`).",
    409: "It conflicts with the current state (`booking_conflict`: `conflicts` lists each clash).",
    415: "The body is not JSON (`unsupported_media_type`): send `Content-Type: application/json`.",
    429: "Too many requests (`throttled`, `locked_out`): try again after Retry-After seconds.",
    503: "Briefly unavailable (`unavailable`): try again after Retry-After seconds.",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}


class AutoSchema(SpectacularAutoSchema):
    def get_auth(self):
        if not self.view.get_authenticators():
            return []  # public: no security requirement at all
        return super().get_auth()

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = {"application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}}
        responses = operation["responses"]
        for code in self._errors(operation):
            responses.setdefault(str(code), {"description": ERRORS[code]})
        for code, response in responses.items():
            if int(code) >= 400:
                response.setdefault("content", error)
                if int(code) in (429, 503):
                    response.setdefault("headers", RETRY_AFTER)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _errors(self, operation) -> list[int]:
        codes = [503]
        if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
            codes.append(400)
        if "requestBody" in operation:
            codes.append(415)
        if operation.get("security"):
            codes += [401, 403]
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            codes.append(404)
        return codes

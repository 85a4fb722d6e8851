"""Sending SMS: a small backend interface chosen by settings.SMS_BACKEND.

- ConsoleBackend: prints (laptops);
- FileBackend: appends JSON lines to SMS_FILE_PATH (demos, tests);
- HttpGatewayBackend: POSTs JSON to SMS_GATEWAY_URL with SMS_GATEWAY_KEY (production).
"""

from __future__ import annotations

import json
import sys
import uuid
from urllib import error, request

from django.conf import settings
from django.utils.module_loading import import_string


class TransientSendError(Exception):
    """The provider may accept it later: try again with backoff."""


class PermanentSendError(Exception):
    """The provider refused it for good (bad number, blocked): do not retry."""


class BaseBackend:
    def send(self, *, to: str, text: str, reference: str) -> str:
        """Send one message; return the provider's message id."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, *, to, text, reference):
        sys.stdout.write(f"[sms to {to}] {text}\n")
        return f"console-{reference}"


class FileBackend(BaseBackend):
    def send(self, *, to, text, reference):
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as out:
            out.write(json.dumps({"to": to, "text": text, "reference": reference}, ensure_ascii=False) + "\n")
        return f"file-{reference}"


class HttpGatewayBackend(BaseBackend):
    """A JSON-over-HTTPS SMS gateway: POST {to, text, reference} with a bearer key, answer {id}."""

    def send(self, *, to, text, reference):
        if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")):
            raise PermanentSendError("SMS_GATEWAY_URL must be an http(s) URL")
        body = json.dumps({"to": to, "text": text, "reference": reference}).encode()
        req = request.Request(  # noqa: S310 - the scheme is checked above
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
                "Idempotency-Key": reference,
            },
        )
        try:
            with request.urlopen(req, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except error.HTTPError as failure:
            if failure.code == 429 or failure.code >= 500:
                raise TransientSendError(f"gateway answered {failure.code}") from None
            raise PermanentSendError(f"gateway refused the message: {failure.code}") from None
        except (error.URLError, TimeoutError, OSError) as failure:
            raise TransientSendError(f"gateway unreachable: {failure}") from None
        return str(answer.get("id") or uuid.uuid4())


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()

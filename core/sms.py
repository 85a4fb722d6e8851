"""Sending SMS: a small backend interface chosen by settings.SMS_BACKEND.

- ConsoleBackend: prints (laptops);
- FileBackend: appends JSON lines to SMS_FILE_PATH (demos, tests);
- HttpGatewayBackend: POSTs JSON to SMS_GATEWAY_URL with SMS_GATEWAY_KEY (production).

`parts(text)` counts the parts a text is sent in, and `fit(render, *flexible)` shortens the
flexible pieces of a text (a procedure's name, the clinic's) until it fits in two: a reminder must
never cost the clinic, or the patient's phone, a third part.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from urllib import error, request

from django.conf import settings
from django.utils.module_loading import import_string

# GSM 03.38: the default alphabet (one septet each) and its extension table (an escape and a septet).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# (one part, each part of a longer message): a split message spends some of each part on its header.
GSM7_LIMITS = (160, 153)  # septets
UCS2_LIMITS = (70, 67)  # UTF-16 code units: any Cyrillic letter makes the whole text UCS-2
MAX_PARTS = 2  # what a reminder or an aftercare SMS may take


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def parts(text: str) -> int:
    """How many parts the text is sent in (GSM-7: 160, then 153 a part; UCS-2: 70, then 67).

    Packed the way phones and gateways split: an extension character's escape and a surrogate
    pair never straddle two parts.
    """
    if is_gsm7(text):
        units, (single, each) = [2 if c in GSM7_EXTENSION else 1 for c in text], GSM7_LIMITS
    else:
        units, (single, each) = [2 if ord(c) > 0xFFFF else 1 for c in text], UCS2_LIMITS
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for unit in units:
        if used + unit > each:
            count, used = count + 1, 0
        used += unit
    return count


def fit(render: Callable[..., str], *flexible: str, max_parts: int = MAX_PARTS) -> str:
    """render(*flexible), the flexible pieces cut short word by word (the first piece first, ending
    in an ellipsis, down to nothing) until the text fits in max_parts.

    The rest of the text (the date, the link, the phone) is never cut; render must read well with
    an empty piece. If even empty pieces do not fit, the text goes as it is (and a test says so).
    """
    pieces = list(flexible)
    text = render(*pieces)
    if parts(text) <= max_parts:
        return text
    ellipsis = "..." if is_gsm7(text) else "…"  # "…" is not GSM-7: it would make an English text UCS-2
    for index, piece in enumerate(flexible):
        words = piece.split()
        while words:
            words.pop()
            pieces[index] = " ".join(words).rstrip(",.;:–—-") + ellipsis if words else ""
            text = render(*pieces)
            if parts(text) <= max_parts:
                return text
    return text


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

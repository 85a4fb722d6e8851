"""The online payment provider, chosen by settings.BILLING_PAYMENT_PROVIDER ("" none, "http").

http: POSTs a payment as JSON to BILLING_PAYMENT_PROVIDER_URL with a bearer token, as the common
Russian providers (YooKassa, CloudPayments, Tinkoff look alike) take it: an amount in roubles and
kopecks as a string, RUB, a description, a return URL, an idempotency key and metadata. The answer
names the provider's id for it and the page the patient pays on ({"id", "confirmation": {"confirmation_url"}}).
Its webhook is signed: HMAC-SHA256 of the raw body with BILLING_PAYMENT_WEBHOOK_SECRET, hex.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from urllib import error, request

from django.conf import settings

SIGNATURE_HEADER = "X-Payment-Signature"


class ProviderError(Exception):
    """The provider did not create the payment (unreachable, refused, or answered nonsense)."""


def configured() -> bool:
    return settings.BILLING_PAYMENT_PROVIDER == "http" and bool(settings.BILLING_PAYMENT_PROVIDER_URL)


def payment_body(*, amount: Decimal, description: str, return_url: str, link_id: int) -> dict:
    return {
        "amount": {"value": f"{amount.quantize(Decimal('0.01'))}", "currency": "RUB"},
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": return_url},
        "description": description[:128],
        "metadata": {"payment_link": link_id},
    }


def payment_create(body: dict, *, idempotency_key: str) -> tuple[str, str]:
    """Create the payment; the provider's id for it and its confirmation URL."""
    url = settings.BILLING_PAYMENT_PROVIDER_URL
    if not url.startswith(("https://", "http://")):
        raise ProviderError("BILLING_PAYMENT_PROVIDER_URL must be an http(s) URL")
    req = request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {settings.BILLING_PAYMENT_PROVIDER_TOKEN}",
            "Idempotence-Key": idempotency_key,
        },
    )
    try:
        with request.urlopen(req, timeout=settings.BILLING_PAYMENT_PROVIDER_TIMEOUT) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except error.HTTPError as failure:
        raise ProviderError(f"{failure.code} {failure.reason}") from None
    except (error.URLError, TimeoutError, OSError, ValueError) as failure:
        raise ProviderError(f"unreachable: {failure}") from None
    provider_id = str(answer.get("id") or "")
    confirmation = answer.get("confirmation")
    link = str((confirmation or {}).get("confirmation_url") or "") if isinstance(confirmation, dict) else ""
    if not provider_id or not link.startswith(("https://", "http://")):
        raise ProviderError("the answer has no id or no confirmation URL")
    return provider_id, link


def signature(body: bytes) -> str:
    return hmac.new(settings.BILLING_PAYMENT_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, given: str) -> bool:
    """Constant-time; no secret configured means no webhook is believed."""
    if not settings.BILLING_PAYMENT_WEBHOOK_SECRET or not given:
        return False
    return hmac.compare_digest(signature(body), given.strip().removeprefix("sha256="))

"""Fiscal receipts (54-FZ) through a pluggable cash register, chosen by settings.BILLING_FISCAL_BACKEND.

- console: prints the receipt (laptops);
- file: appends JSON lines to BILLING_FISCAL_FILE_PATH (demos);
- http: POSTs the receipt as JSON to a cloud cash register (BILLING_FISCAL_URL, BILLING_FISCAL_TOKEN).

The body follows the common cloud registers (ATOL Online, OFD.ru, CloudKassir look alike): an
operation (sell, sell_refund), an external id the register deduplicates on, the customer's email or
phone, the company's INN and taxation system, items with price, quantity, sum, VAT "none" (medical
services are exempt), the settlement method (tag 1214) and the subject (tag 1212: service).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from urllib import error, request

from django.conf import settings

# Tag 1214, the settlement method: an advance for a course is a 100% prepayment (1); a delivered
# session settles its part of it in full (4).
SETTLEMENT_METHODS = {"full_prepayment": 1, "full_payment": 4}
PAYMENT_TYPES = {"cash": 0, "card": 1, "transfer": 1, "online": 1}  # ATOL: 0 cash, 1 electronic
ADVANCE_OFFSET = (
    2  # ATOL's payment type for "предварительная оплата (зачёт аванса)": a settlement pays with the advance
)


class TransientFiscalError(Exception):
    """The register may accept it later: try again with backoff."""


class PermanentFiscalError(Exception):
    """The register refused the receipt for good (bad data): do not retry; show its message."""


def _number(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01")))


def receipt_body(
    *,
    external_id: str,
    operation: str,
    item_name: str,
    amount: Decimal,
    payment_type: int,
    email: str = "",
    phone: str = "",
    settlement: str = "full_prepayment",
    timestamp: str,
) -> dict:
    """The JSON a cloud cash register takes for one receipt of one item."""
    client = {"email": email} if email else {"phone": phone}
    return {
        "external_id": external_id,
        "operation": operation,
        "timestamp": timestamp,
        "receipt": {
            "client": client,
            "company": {
                "inn": settings.CLINIC_INN,
                "sno": settings.CLINIC_TAXATION,
                "email": settings.CLINIC_EMAIL,
                "payment_address": settings.CLINIC_PAYMENT_ADDRESS or settings.SITE_URL,
            },
            "items": [
                {
                    "name": item_name[:128],
                    "price": _number(amount),
                    "quantity": 1.0,
                    "sum": _number(amount),
                    "measure": 0,  # pieces
                    "payment_method": settlement,
                    "payment_method_tag": SETTLEMENT_METHODS[settlement],
                    "payment_object": "service",
                    "vat": {"type": "none"},
                }
            ],
            "payments": [{"type": payment_type, "sum": _number(amount)}],
            "total": _number(amount),
        },
    }


class ConsoleBackend:
    def send(self, body: dict) -> str:
        sys.stdout.write(f"[receipt] {json.dumps(body, ensure_ascii=False)}\n")
        return f"console-{body['external_id']}"


class FileBackend:
    def send(self, body: dict) -> str:
        with open(settings.BILLING_FISCAL_FILE_PATH, "a", encoding="utf-8") as out:
            out.write(json.dumps(body, ensure_ascii=False) + "\n")
        return f"file-{body['external_id']}"


class HttpBackend:
    """POST the receipt with a bearer token; the answer names the register's id for it ({"uuid"} or {"id"})."""

    def send(self, body: dict) -> str:
        url = settings.BILLING_FISCAL_URL
        if not url.startswith(("https://", "http://")):
            raise PermanentFiscalError("BILLING_FISCAL_URL must be an http(s) URL")
        req = request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=json.dumps(body, ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.BILLING_FISCAL_TOKEN}",
                "Idempotency-Key": body["external_id"],
            },
        )
        try:
            with request.urlopen(req, timeout=settings.BILLING_FISCAL_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except error.HTTPError as failure:
            message = _message(failure)
            if failure.code == 429 or failure.code >= 500:
                raise TransientFiscalError(f"{failure.code}: {message}") from None
            raise PermanentFiscalError(f"{failure.code}: {message}") from None
        except (error.URLError, TimeoutError, OSError, ValueError) as failure:
            raise TransientFiscalError(f"cash register unreachable: {failure}") from None
        provider_id = answer.get("uuid") or answer.get("id")
        if not provider_id:
            raise TransientFiscalError("the cash register answered without an id")
        return str(provider_id)


def _message(failure: error.HTTPError) -> str:
    """The register's own words for a refusal ({"error": {"text"}} or {"message"}), else the status."""
    try:
        answer = json.loads(failure.read() or b"{}")
    except ValueError:
        return failure.reason or ""
    err = answer.get("error")
    if isinstance(err, dict):
        return str(err.get("text") or err.get("message") or "")[:500]
    return str(answer.get("message") or err or failure.reason or "")[:500]


BACKENDS = {"console": ConsoleBackend, "file": FileBackend, "http": HttpBackend}


def get_backend():
    return BACKENDS[settings.BILLING_FISCAL_BACKEND]()

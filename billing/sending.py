"""Sending each receipt to the cash register exactly once: claim with a compare-and-swap, send, record.

A claim sets `claimed_until` (the lease); a worker that dies holding it leaves the receipt "sending"
until then, and the next run takes it again. The register deduplicates on the external id, so a
receipt sent by a worker that died before recording the answer is not fiscalised twice.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .fiscal import (
    ADVANCE_OFFSET,
    PAYMENT_TYPES,
    PermanentFiscalError,
    TransientFiscalError,
    get_backend,
    receipt_body,
)
from .models import Receipt, ReceiptKind, ReceiptStatus


@dataclass
class Outcome:
    status: str
    retry_in: float | None = None


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s ... an hour at most (30 s: the
    BILLING_FISCAL_BACKOFF_SECONDS setting)."""
    ceiling = min(settings.BILLING_FISCAL_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0), 3600)
    return random.uniform(min(1, ceiling / 2), ceiling)


def _claimable(now) -> Q:
    lapsed = Q(status=ReceiptStatus.SENDING, claimed_until__lt=now)
    return Q(status=ReceiptStatus.PENDING, next_attempt_at__lte=now) | lapsed


def claim(receipt_id: int, now) -> bool:
    """Compare-and-swap: the receipt becomes ours only if it is still free; a second worker gets 0 rows."""
    lease = datetime.timedelta(seconds=settings.BILLING_FISCAL_LEASE_SECONDS)
    return (
        Receipt.objects.filter(_claimable(now), pk=receipt_id).update(
            status=ReceiptStatus.SENDING, claimed_until=now + lease, attempts=F("attempts") + 1
        )
        == 1
    )


def due_ids(now, limit: int = 500) -> list[int]:
    """Receipts a run should try: pending and due, or claimed by a worker whose lease ran out."""
    return list(
        Receipt.objects.filter(_claimable(now)).order_by("next_attempt_at").values_list("id", flat=True)[:limit]
    )


def _finish(receipt: Receipt, **fields) -> bool:
    """Record a result, if the claim is still ours (the same attempt): else a later claim owns it."""
    mine = Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.SENDING, attempts=receipt.attempts)
    return mine.update(claimed_until=None, **fields) == 1


def _item_name(receipt: Receipt, course) -> str:
    """The item as the receipt names it, in Russian whatever the worker's language."""
    with translation.override("ru"):
        name = course.procedure.name_for("ru")
        if receipt.kind == ReceiptKind.RETURN:
            return _("Return of the advance for the course: %(procedure)s") % {"procedure": name}
        if receipt.kind == ReceiptKind.SETTLEMENT:
            return _("%(procedure)s, a session of the course") % {"procedure": name}
        return ngettext(
            "Advance for the course: %(procedure)s, %(count)d session",
            "Advance for the course: %(procedure)s, %(count)d sessions",
            course.session_count,
        ) % {"procedure": name, "count": course.session_count}


def _facts(receipt: Receipt):
    """(course, when, operation, settlement method, payment type) of the record the receipt is made from."""
    if receipt.kind == ReceiptKind.ADVANCE:
        p = receipt.payment
        return p.course, p.taken_at, "sell", "full_prepayment", PAYMENT_TYPES[p.method]
    if receipt.kind == ReceiptKind.RETURN:
        r = receipt.refund
        return r.course, r.created_at, "sell_refund", "full_prepayment", PAYMENT_TYPES[r.method]
    s = receipt.session
    return s.course, s.outcome_at or receipt.created_at, "sell", "full_payment", ADVANCE_OFFSET


def build_body(receipt: Receipt) -> dict:
    course, moment, operation, settlement, payment_type = _facts(receipt)
    patient = course.patient
    return receipt_body(
        external_id=receipt.external_id,
        operation=operation,
        item_name=_item_name(receipt, course),
        amount=receipt.amount,
        payment_type=payment_type,
        email=patient.email,
        phone=str(patient.phone or ""),
        settlement=settlement,
        timestamp=moment.astimezone(course.location.tz).strftime("%d.%m.%Y %H:%M:%S"),
    )


def send(receipt_id: int, now: datetime.datetime | None = None) -> Outcome:
    """Claim one receipt, send it, record the register's answer."""
    now = now or timezone.now()
    if not claim(receipt_id, now):
        return Outcome("not ours")
    receipt = Receipt.objects.select_related(
        "payment__course__patient",
        "payment__course__procedure",
        "payment__course__location",
        "refund__course__patient",
        "refund__course__procedure",
        "refund__course__location",
        "session__course__patient",
        "session__course__procedure",
        "session__course__location",
    ).get(pk=receipt_id)
    try:
        provider_id = get_backend().send(build_body(receipt))
    except PermanentFiscalError as failure:
        _finish(receipt, status=ReceiptStatus.FAILED, provider_message=str(failure)[:1000])
        return Outcome(ReceiptStatus.FAILED)
    except TransientFiscalError as failure:
        return _retry_or_fail(receipt, str(failure), now)
    _finish(receipt, status=ReceiptStatus.SENT, provider_id=provider_id, provider_message="", sent_at=timezone.now())
    return Outcome(ReceiptStatus.SENT)


def _retry_or_fail(receipt: Receipt, message: str, now) -> Outcome:
    if receipt.attempts >= settings.BILLING_FISCAL_MAX_ATTEMPTS:
        _finish(receipt, status=ReceiptStatus.FAILED, provider_message=message[:1000])
        return Outcome(ReceiptStatus.FAILED)
    delay = backoff_seconds(receipt.attempts)
    _finish(
        receipt,
        status=ReceiptStatus.PENDING,
        provider_message=message[:1000],
        next_attempt_at=now + datetime.timedelta(seconds=delay),
    )
    return Outcome("retry", retry_in=delay)

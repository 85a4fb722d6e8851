"""Celery tasks: they take receipt ids and call the sending module; the sweep settles, then sends."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from scheduling.models import Course

from . import selectors, sending, settling
from .models import LinkStatus, PaymentLink


@shared_task(name="billing.send_receipts", ignore_result=True, acks_late=True)
def send_receipts(ids: list[int]) -> None:
    for receipt_id in ids:
        outcome = sending.send(receipt_id)
        if outcome.retry_in is not None:
            send_receipts.apply_async(([receipt_id],), countdown=outcome.retry_in)


@shared_task(name="billing.receipts_tick", ignore_result=True)
def receipts_tick() -> int:
    """The periodic sweep: unpaid payment links past their time marked expired, settlement receipts for
    delivered sessions, then receipts whose retry is due or whose worker died holding the claim."""
    # A webhook arriving later still records the money (it was paid); the page stops offering the link.
    PaymentLink.objects.filter(status=LinkStatus.PENDING, expires_at__lte=timezone.now()).update(
        status=LinkStatus.EXPIRED
    )
    for course in Course.objects.filter(pk__in=selectors.courses_to_settle()):
        settling.course_settle(course=course)
    ids = sending.due_ids(timezone.now())
    for start in range(0, len(ids), 20):
        send_receipts.delay(ids[start : start + 20])
    return len(ids)

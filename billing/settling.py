"""The one write of settlements: receipts for delivered sessions, offsetting the advance (tag 1214 = 4).

Apart from services.py because the periodic task calls it and services.py queues that task.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from audit.models import Action
from audit.services import audit_record
from scheduling.models import Course, CourseStatus

from .locks import lock_course_money
from .models import Payment, Receipt, ReceiptKind, Refund
from .selectors import course_used_sessions
from .settlement import session_shares, settlements_due


@transaction.atomic
def course_settle(*, course: Course) -> list[Receipt]:
    """Settlement receipts (tag 1214 = 4) for the course's delivered sessions the advance now covers.

    Derived from the data and run by the periodic sweep, which then sends them: running it again
    settles nothing twice (the course's row lock, the sums of what is settled)."""
    course = lock_course_money(course.pk)
    sessions = course_used_sessions(course)
    if not sessions:
        return []
    paid = Payment.objects.filter(course=course).aggregate(t=Sum("amount"))["t"] or Decimal(0)
    refunded = Refund.objects.filter(course=course).aggregate(t=Sum("amount"))["t"] or Decimal(0)
    shares = session_shares(
        used=len(sessions),
        session_count=course.session_count,
        total_price=course.total_price,
        price_per_session=course.price_per_session,
        partial=course.status == CourseStatus.CANCELLED and len(sessions) < course.session_count,
        keep_discount=settings.BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE,
    )
    due = settlements_due(shares=shares, settled=[s.settled for s in sessions], held=paid - refunded)
    receipts = [
        Receipt.objects.create(kind=ReceiptKind.SETTLEMENT, session=session, amount=amount)
        for session, amount in zip(sessions, due, strict=True)
        if amount > 0
    ]
    for receipt in receipts:
        audit_record(
            action=Action.CREATE,
            patient=course.patient_id,
            record=receipt,
            detail={"course": course.pk, "session": receipt.session_id, "amount": str(receipt.amount)},
        )
    return receipts

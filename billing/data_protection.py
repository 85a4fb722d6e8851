"""A patient's payments, refunds and receipts, for an export. Erasing leaves them: tax and 54-FZ
records are kept for their legal term, and they name no one (the patient is reached through the course)."""

from __future__ import annotations

from patients.data_protection import when

from .models import Payment, Receipt, Refund


def money_export(patient) -> dict:
    payments = Payment.objects.filter(course__patient=patient).order_by("taken_at", "id")
    refunds = Refund.objects.filter(course__patient=patient).order_by("created_at", "id")
    receipts = (
        Receipt.objects.filter(payment__course__patient=patient)
        | Receipt.objects.filter(refund__course__patient=patient)
        | Receipt.objects.filter(session__course__patient=patient)
    )
    return {
        "payments": [
            {
                "id": p.pk,
                "course": p.course_id,
                "amount": str(p.amount),
                "method": p.method,
                "taken_at": when(p.taken_at),
            }
            for p in payments
        ],
        "refunds": [
            {"id": r.pk, "course": r.course_id, "amount": str(r.amount), "reason": r.reason, "at": when(r.created_at)}
            for r in refunds
        ],
        "receipts": [
            {"id": r.pk, "kind": r.kind, "amount": str(r.amount), "status": r.status, "sent_at": when(r.sent_at)}
            for r in receipts.order_by("created_at", "id")
        ],
    }

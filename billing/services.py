"""Writes of money: taking a payment and making a refund. Each is atomic, audited, and makes its receipt."""

from __future__ import annotations

import datetime
import logging
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Action
from audit.services import audit_record
from core.policy import require
from scheduling.models import Course, CourseStatus, Session

from . import provider
from .locks import lock_course_money
from .models import MAX_AMOUNT, LinkStatus, Method, Payment, PaymentLink, Receipt, ReceiptKind, ReceiptStatus, Refund
from .money import RUB, rub
from .selectors import course_balance
from .tasks import send_receipts

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # as the constraint payment_idempotency_key_set
AMOUNT_HELP = gettext_lazy("Enter the amount in roubles, for example 4500 or 4500.50.")

log = logging.getLogger(__name__)


def _check_amount(amount: Decimal, *, field: str = "amount") -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError({field: ValidationError(AMOUNT_HELP, code="invalid")})
    if amount <= 0:
        raise ValidationError({field: ValidationError(_("The amount must be more than zero."), code="not_positive")})
    if amount > MAX_AMOUNT:
        message = _("The amount cannot exceed %(max)s.") % {"max": rub(MAX_AMOUNT)}
        raise ValidationError({field: ValidationError(message, code="too_large")})
    if amount.as_tuple().exponent < -2:
        raise ValidationError(
            {field: ValidationError(_("An amount has at most two digits of kopecks."), code="invalid")}
        )


def _queue_receipt(receipt: Receipt) -> None:
    transaction.on_commit(lambda: _send_soon([receipt.pk]))


def _send_soon(ids: list[int]) -> None:
    """Hand receipts to a worker; with the broker down they stay pending and the minute's sweep
    (tasks.receipts_tick) sends them: the payment is already recorded and the page must answer."""
    try:
        send_receipts.delay(ids)
    except Exception:
        log.warning("broker unavailable; receipts %s wait for the sweep", ids, exc_info=True)


def _existing(idempotency_key: str, course: Course) -> Payment | None:
    payment = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if payment is not None and payment.course_id != course.pk:
        raise ValidationError(
            _("This payment form was already used for another course; open the course again."), code="key_reused"
        )
    return payment


@transaction.atomic
def payment_take(
    *,
    actor,
    course: Course,
    amount: Decimal,
    method: str,
    idempotency_key: str,
    session: Session | None = None,
    currency: str = RUB,
    note: str = "",
) -> Payment:
    """Take a payment for a course; the same form submitted twice returns the first payment."""
    if not KEY_PATTERN.fullmatch(idempotency_key or ""):
        raise ValidationError(
            {
                "idempotency_key": ValidationError(
                    _("The payment form has expired; open the course again."), code="invalid"
                )
            }
        )
    course = lock_course_money(course.pk)  # a second submit waits here for the first to commit
    if (first := _existing(idempotency_key, course)) is not None:
        first.replayed = True
        return first
    if currency != RUB:
        raise ValidationError(
            {"currency": ValidationError(_("Payments are taken in roubles only."), code="not_roubles")}
        )
    if course.status == CourseStatus.CANCELLED:
        raise ValidationError(_("The course is cancelled: it takes no more payments."), code="course_cancelled")
    if method not in Method.values:
        raise ValidationError({"method": ValidationError(_("Choose how the patient pays."), code="invalid_choice")})
    if session is not None and session.course_id != course.pk:
        raise ValidationError(
            {"session": ValidationError(_("The session is not of this course."), code="not_of_course")}
        )
    _check_amount(amount)
    due = course_balance(course).due
    if amount > due:
        message = (
            _("Nothing is due for this course.")
            if not due
            else _("Only %(due)s is due for this course.") % {"due": rub(due)}
        )
        raise ValidationError({"amount": ValidationError(message, code="beyond_due")})
    payment = Payment(
        course=course,
        session=session,
        amount=amount,
        method=method,
        registrar=actor,
        location=course.location,
        idempotency_key=idempotency_key,
        note=note,
    )
    payment.full_clean(exclude=["idempotency_key"])  # its uniqueness is the database's to decide
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        # The same key was saved meanwhile for another course (this course's lock kept its own out).
        if (first := _existing(idempotency_key, course)) is not None:
            first.replayed = True
            return first
        raise
    receipt = Receipt.objects.create(kind=ReceiptKind.ADVANCE, payment=payment, amount=amount)
    _queue_receipt(receipt)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=course.patient_id,
        record=payment,
        detail={"course": course.pk, "amount": str(amount), "method": method},
    )
    return payment


@transaction.atomic
def refund_make(*, actor, course: Course, amount: Decimal, reason: str, method: str = Method.CASH) -> Refund:
    """Give back money paid for a course and not used (by the clinic's policy), for a stated reason."""
    course = lock_course_money(course.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Say why the money is refunded."), code="reason_required")})
    if method not in Method.values:
        raise ValidationError(
            {"method": ValidationError(_("Choose how the money is given back."), code="invalid_choice")}
        )
    _check_amount(amount)
    balance = course_balance(course)
    if amount > balance.net_paid:
        message = _("Only %(paid)s was paid for this course (after refunds).") % {"paid": rub(balance.net_paid)}
        raise ValidationError({"amount": ValidationError(message, code="beyond_paid")})
    if amount > balance.refundable:
        message = _("At most %(left)s can be refunded: %(used)s of what was paid is used.") % {
            "left": rub(balance.refundable),
            "used": rub(balance.used),
        }
        raise ValidationError({"amount": ValidationError(message, code="beyond_unused")})
    refund = Refund(
        course=course, amount=amount, method=method, reason=reason, registrar=actor, location=course.location
    )
    refund.full_clean()
    refund.save()
    receipt = Receipt.objects.create(kind=ReceiptKind.RETURN, refund=refund, amount=amount)
    _queue_receipt(receipt)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=course.patient_id,
        record=refund,
        detail={"course": course.pk, "amount": str(amount), "reason": reason[:200]},
    )
    return refund


@transaction.atomic
def receipts_retry(*, actor, ids: list[int]) -> int:
    """Put refused receipts back in the queue (their cause fixed); others are left as they are."""
    again = []
    for receipt in Receipt.objects.filter(pk__in=ids, status=ReceiptStatus.FAILED):
        claimed = Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.FAILED).update(
            status=ReceiptStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if claimed:
            again.append(receipt.pk)
            audit_record(actor=actor, action=Action.UPDATE, record=receipt, detail={"retry": receipt.provider_message})
    if again:
        transaction.on_commit(lambda: _send_soon(again))
    return len(again)


LINK_LIFETIME = datetime.timedelta(hours=24)  # the providers' own default for an unpaid payment


@transaction.atomic
def payment_link_create(*, actor, course: Course, amount: Decimal) -> PaymentLink:
    """Ask the provider for a page where the patient pays `amount` of the course; nothing is saved if it fails."""
    require(actor, "billing.manage")
    if not provider.configured():
        raise ValidationError(_("No online payment provider is configured."), code="no_provider")
    course = lock_course_money(course.pk)
    if course.status == CourseStatus.CANCELLED:
        raise ValidationError(_("The course is cancelled: it takes no more payments."), code="course_cancelled")
    _check_amount(amount)
    due = course_balance(course).due
    if not due:
        raise ValidationError(_("Nothing is due for this course."), code="nothing_due")
    if amount > due:
        message = _("Only %(due)s is due for this course.") % {"due": rub(due)}
        raise ValidationError({"amount": ValidationError(message, code="beyond_due")})
    now = timezone.now()
    link = PaymentLink(course=course, amount=amount, created_by=actor, created_at=now, expires_at=now + LINK_LIFETIME)
    link.save()  # its id is the provider's idempotency key; the row goes if the provider fails
    body = provider.payment_body(
        amount=amount,
        description=_("Course %(number)s: %(procedure)s") % {"number": course.pk, "procedure": course.procedure.name},
        return_url=settings.SITE_URL.rstrip("/") + reverse("portal:home"),
        link_id=link.pk,
    )
    try:
        link.provider_id, link.url = provider.payment_create(body, idempotency_key=f"clinic-link-{link.pk}")
    except provider.ProviderError as failure:
        raise ValidationError(
            _("The payment provider did not create the link (%(reason)s); try again later.") % {"reason": failure},
            code="provider_failed",
        ) from None
    link.full_clean()
    link.save(update_fields=["provider_id", "url"])
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=course.patient_id,
        record=link,
        detail={"course": course.pk, "amount": str(amount), "provider_id": link.provider_id},
    )
    return link


class LinkUnknown(Exception):
    """No payment link has this provider's id."""


@transaction.atomic
def payment_link_paid(*, provider_id: str, amount: Decimal) -> PaymentLink:
    """The provider says the link was paid: record its payment once (a replay finds it recorded)."""
    link = PaymentLink.objects.select_related("course", "created_by").filter(provider_id=provider_id).first()
    if link is None or not provider_id:
        raise LinkUnknown(provider_id)
    if amount != link.amount:
        raise ValidationError(_("The amount paid is not the link's amount."), code="amount_mismatch")
    if link.status in (LinkStatus.PAID, LinkStatus.FAILED):
        return link  # decided by an earlier webhook
    try:
        with transaction.atomic():
            payment = payment_take(
                actor=link.created_by,
                course=link.course,
                amount=link.amount,
                method=Method.ONLINE,
                idempotency_key=link.payment_key,
                note=_("payment link %(id)s") % {"id": link.provider_id},
            )
    except ValidationError as refusal:
        # The money is with the provider but the course takes no more (cancelled, paid at the desk):
        # the front desk sees a failed link and refunds it through the provider.
        PaymentLink.objects.filter(pk=link.pk, status__in=[LinkStatus.PENDING, LinkStatus.EXPIRED]).update(
            status=LinkStatus.FAILED
        )
        audit_record(
            actor=link.created_by,
            action=Action.UPDATE,
            patient=link.course.patient_id,
            record=link,
            detail={"failed": refusal.messages},
        )
        link.refresh_from_db()
        return link
    # Compare-and-swap: of two webhooks at once only one moves the link (the payment's key made it one payment).
    claimed = PaymentLink.objects.filter(pk=link.pk, status__in=[LinkStatus.PENDING, LinkStatus.EXPIRED]).update(
        status=LinkStatus.PAID, paid_at=timezone.now(), payment=payment
    )
    if claimed:
        audit_record(
            actor=link.created_by,
            action=Action.UPDATE,
            patient=link.course.patient_id,
            record=link,
            detail={"paid": str(link.amount)},
        )
    link.refresh_from_db()
    return link

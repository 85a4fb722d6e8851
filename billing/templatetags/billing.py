"""{% course_money %} on the course page: the balance, payments, refunds, receipts and the forms,
for those who handle money; nothing at all for anyone else. {{ amount|rub }}: "4 500,00 ₽"."""

import secrets
from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.html import format_html

from core.policy import allowed
from scheduling.models import CourseStatus

from .. import provider
from ..forms import PaymentForm, PaymentLinkForm, RefundForm
from ..money import rub as rub_text
from ..selectors import (
    course_balance,
    course_payment_links,
    course_payments,
    course_refunds,
    paid_years,
    receipts_of_course,
)

register = template.Library()


def amount_field(amount) -> str:
    """An amount to prefill a form's field with in the page's language: "7500,00" in Russian, "7500.00"
    in English (AmountField takes either, and "1 000,50" too)."""
    return formats.number_format(amount, 2, use_l10n=True, force_grouping=False)


@register.filter
def rub(amount) -> str:
    return rub_text(amount) if amount is not None else ""


@register.inclusion_tag("billing/_course_money.html", takes_context=True)
def course_money(context, course, sessions=None):
    """Four queries (payments, refunds, settlements, payment links) whatever the course holds;
    the sessions come from the page."""
    user = context["request"].user
    if not allowed(user, "billing.view"):
        return {"show": False}
    payments, refunds = course_payments(course), course_refunds(course)
    balance = course_balance(
        course,
        sessions=sessions,
        paid=sum((p.amount for p in payments), Decimal(0)),
        refunded=sum((r.amount for r in refunds), Decimal(0)),
    )
    can_manage = allowed(user, "billing.manage")
    return {
        "show": True,
        "course": course,
        "balance": balance,
        "payments": payments,
        "refunds": refunds,
        "settlements": receipts_of_course(course),
        "can_pay": can_manage and course.status != CourseStatus.CANCELLED and balance.due > 0,
        "can_refund": can_manage and balance.refundable > 0,
        "payment_form": PaymentForm(
            initial={"amount": amount_field(balance.due), "idempotency_key": secrets.token_urlsafe(24)}
        ),
        "refund_form": RefundForm(initial={"amount": amount_field(balance.refundable)}),
        "tax_years": paid_years(course.patient),
        "payment_links": course_payment_links(course),
        "can_link": can_manage
        and provider.configured()
        and course.status != CourseStatus.CANCELLED
        and balance.due > 0,
        "link_form": PaymentLinkForm(initial={"amount": amount_field(balance.due)}),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def balance_for(balances: dict, course):
    return balances.get(course.pk)


@register.filter
def receipt_status(receipt) -> str:
    """A receipt's status (and the register's words when it is not sent), as billing/_receipt.html
    shows it: a filter, for lists of hundreds where an include per row would cost too much."""
    if not receipt:  # none (or a row without one, which the template reads as "")
        return ""
    words = f": {receipt.provider_message}" if receipt.provider_message and receipt.status != "sent" else ""
    danger = " text-danger" if receipt.status == "failed" else ""
    return format_html(
        '<span class="small{}" data-receipt-status="{}">{}{}</span>',
        danger,
        receipt.status,
        receipt.get_status_display(),
        words,
    )

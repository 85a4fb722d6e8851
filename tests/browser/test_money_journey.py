"""The money journey in a real browser (issue 19): a registrar sells a 12-session course with part
prepayment, the patient pays the rest at session 3, the course is cancelled after session 5 and the
unused part refunded; every receipt (two advances, five settlements, one return) reaches a local
cash register once; the cashier's day adds up."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing import selectors as billing_selectors
from billing import sending, settling
from billing.models import Payment, Receipt, Refund
from scheduling.models import Course, CourseStatus, Session, SessionStatus

from ..billing.cash_register import CashRegister
from ..factories import PASSWORD
from .conftest import book_course, shown, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def deliver(course, upto: int) -> None:
    """Sessions 1..upto done (the clinician's outcome is another journey's)."""
    ids = list(course.sessions.order_by("start").values_list("id", flat=True))[:upto]
    Session.objects.filter(id__in=ids, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.COMPLETED, outcome_at=timezone.now()
    )


def pay(page, amount: str) -> None:
    page.locator("#money summary", has_text="Take a payment").click()
    page.fill("#pay-amount", amount)
    page.select_option("#pay-method", "card")
    with page.expect_navigation():
        page.get_by_role("button", name="Take the payment").click()


def send_every_receipt(course) -> None:
    settling.course_settle(course=course)
    for receipt in Receipt.objects.order_by("pk"):
        sending.send(receipt.pk)
        sending.send(receipt.pk)  # a second run finds nothing to do


def test_a_course_sold_paid_in_two_parts_cancelled_after_five_sessions_and_refunded(
    page, live_server, registrar, clinic, eligible_patient, cryo, location, settings
):
    settings.BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE = True
    course = book_course(registrar, eligible_patient, cryo, location, count=12)
    price = course.total_price
    unit = (price / 12).quantize(Decimal("0.01"))
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/courses/{course.pk}/")

    advance = (price / 3).quantize(Decimal("1"))  # a third up front
    pay(page, str(advance))
    assert Payment.objects.get(course=course).amount == advance
    assert shown(page.locator("[data-balance]"))

    deliver(course, 2)  # at session 3 the patient pays the rest
    page.goto(f"{live_server.url}/scheduling/courses/{course.pk}/")
    rest = price - advance
    pay(page, str(rest))
    assert sum(p.amount for p in Payment.objects.filter(course=course)) == price
    assert "nothing due" in page.locator("[data-balance]").inner_text()

    deliver(course, 5)
    page.goto(f"{live_server.url}/scheduling/courses/{course.pk}/")
    page.fill("#course-reason", "The patient moves to another city")
    page.check("#course-cancel-sure")
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel the whole course").click()
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED

    unused = price - 5 * unit
    page.locator("#money summary", has_text="Refund").click()
    page.fill("#refund-amount", str(unused + 1))  # a rouble more than was paid and not used
    page.fill("#refund-reason", "Course cancelled after session 5")
    with page.expect_navigation():
        page.get_by_role("button", name="Make the refund").click()
    assert not Refund.objects.exists()  # refused, with the limit named
    assert "can be refunded" in page.locator(".alert-danger, .alert-error, [role=alert]").first.inner_text()
    page.locator("#money summary", has_text="Refund").click()
    page.fill("#refund-amount", str(unused))
    page.fill("#refund-reason", "Course cancelled after session 5")
    with page.expect_navigation():
        page.get_by_role("button", name="Make the refund").click()
    assert Refund.objects.get(course=course).amount == unused

    with CashRegister() as register:
        settings.BILLING_FISCAL_BACKEND, settings.BILLING_FISCAL_URL = "http", register.url
        send_every_receipt(course)
    kinds = sorted(Receipt.objects.values_list("kind", flat=True))
    assert kinds == ["advance", "advance", "return"] + ["settlement"] * 5
    assert set(Receipt.objects.values_list("status", flat=True)) == {"sent"}
    assert len(register.accepted) == 8  # each once, however often the sender ran
    operations = sorted(body["operation"] for body in register.accepted.values())
    assert operations == ["sell"] * 7 + ["sell_refund"]
    settled = sum(Decimal(str(r.amount)) for r in Receipt.objects.filter(kind="settlement"))
    assert settled == 5 * unit

    page.goto(f"{live_server.url}/billing/day/?location={location.pk}")
    _, _, totals = billing_selectors.cashier_day(location=location, day=timezone.localdate(timezone=location.tz))
    assert totals.all.taken == price and totals.all.refunded == unused and totals.all.net == price - unused
    assert shown(page.locator("[data-day-total]"))
    assert page.locator("[data-method]").count() >= 1
    assert Course.objects.get(pk=course.pk).status == CourseStatus.CANCELLED

"""Settlement receipts (tag 1214 = 4): a delivered session offsets its share of the advance."""

from decimal import Decimal

import pytest

from billing import sending
from billing.models import Receipt, ReceiptKind, ReceiptStatus
from billing.services import payment_take
from billing.settlement import session_shares, settlements_due
from billing.settling import course_settle
from billing.tasks import receipts_tick
from scheduling.models import Course, CourseStatus

from .cash_register import CashRegister
from .conftest import deliver

D = Decimal


def test_the_shares_of_all_sessions_add_up_to_the_price_exactly():
    shares = session_shares(used=3, session_count=3, total_price=D("1000.00"))
    assert shares == [D("333.33"), D("333.34"), D("333.33")] and sum(shares) == D("1000.00")


def test_a_session_settles_what_the_advance_covers_and_the_rest_when_more_is_paid():
    shares = [D("900"), D("900"), D("900")]
    assert settlements_due(shares=shares, settled=[D(0)] * 3, held=D("2000")) == [D("900"), D("900"), D("200")]
    assert settlements_due(shares=shares, settled=[D("900"), D("900"), D("200")], held=D("2000")) == [D(0)] * 3
    assert settlements_due(shares=shares, settled=[D("900"), D("900"), D("200")], held=D("5000")) == [
        D(0),
        D(0),
        D("700"),
    ]


def test_without_the_discount_a_stopped_course_settles_the_full_price_of_what_was_used():
    shares = session_shares(
        used=2, session_count=12, total_price=D("10800"), price_per_session=D("1000"), partial=True, keep_discount=False
    )
    assert shares == [D("1000.00"), D("1000.00")]
    assert settlements_due(shares=shares, settled=[D("900"), D("900")], held=D("10800")) == [D("100"), D("100")]


@pytest.mark.django_db
def test_delivered_sessions_settle_the_advance_once_and_what_a_later_payment_covers(registrar, course):
    payment_take(actor=registrar, course=course, amount=D("2000"), method="cash", idempotency_key="a" * 20)
    deliver(course, 3)
    assert [r.amount for r in course_settle(course=course)] == [D("900.00"), D("900.00"), D("200.00")]
    assert course_settle(course=course) == []  # run again: nothing settled twice
    payment_take(actor=registrar, course=course, amount=D("1000"), method="card", idempotency_key="b" * 20)
    [top_up] = course_settle(course=course)
    assert (top_up.amount, top_up.session_id) == (D("700.00"), course.sessions.order_by("start")[2].pk)
    settled = Receipt.objects.filter(kind=ReceiptKind.SETTLEMENT)
    assert sum(r.amount for r in settled) == D("2700.00")


@pytest.mark.django_db
def test_the_sweep_settles_and_the_settlement_receipt_is_full_payment_by_the_advance(settings, registrar, course):
    payment_take(actor=registrar, course=course, amount=D("900"), method="cash", idempotency_key="a" * 20)
    deliver(course, 1)
    with CashRegister() as register:
        settings.BILLING_FISCAL_BACKEND, settings.BILLING_FISCAL_URL = "http", register.url
        receipts_tick()  # the settlements made; their sending is queued for the workers
        settlement = Receipt.objects.get(kind=ReceiptKind.SETTLEMENT)
        assert sending.send(settlement.pk).status == ReceiptStatus.SENT
    body = register.requests[0]["body"]
    [item] = body["receipt"]["items"]
    assert body["operation"] == "sell" and (item["payment_method"], item["payment_method_tag"]) == ("full_payment", 4)
    assert item["sum"] == 900.0 and body["receipt"]["payments"] == [{"type": 2, "sum": 900.0}]
    assert item["name"] == f"{course.procedure.name_ru}, сеанс курса"


@pytest.mark.django_db
def test_the_course_page_lists_the_settlement_receipts(as_registrar, registrar, course):
    payment_take(actor=registrar, course=course, amount=D("900"), method="cash", idempotency_key="a" * 20)
    deliver(course, 1)
    [receipt] = course_settle(course=course)
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert f'data-settlement="{receipt.pk}"' in page and "Settlement receipts for delivered sessions" in page


@pytest.mark.django_db
def test_a_course_stopped_without_its_discount_settles_the_difference(settings, registrar, course):
    settings.BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE = False
    payment_take(actor=registrar, course=course, amount=D("10800"), method="cash", idempotency_key="a" * 20)
    deliver(course, 2)
    assert [r.amount for r in course_settle(course=course)] == [D("900.00"), D("900.00")]
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    assert [r.amount for r in course_settle(course=course)] == [D("100.00"), D("100.00")]
    assert sum(r.amount for r in Receipt.objects.filter(kind=ReceiptKind.SETTLEMENT)) == D("2000.00")

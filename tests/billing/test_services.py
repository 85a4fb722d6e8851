"""Taking payments and making refunds: the rules, the refusals, and the database's last word."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.utils import ProgrammingError

from audit.models import AuditEvent
from billing.models import Payment, Receipt, ReceiptKind, ReceiptStatus, Refund
from billing.selectors import course_balance
from billing.services import payment_take, refund_make
from records.services import export_patient
from scheduling.models import Course, CourseStatus, SessionStatus

from .conftest import deliver, make_course

D = Decimal
KEY = "form-key-0123456789abcdef"


def _pay(registrar, course, amount="4500", key=KEY, **kw):
    return payment_take(actor=registrar, course=course, amount=D(amount), method="cash", idempotency_key=key, **kw)


def _cancel(course):
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    course.refresh_from_db()


@pytest.mark.django_db
def test_a_payment_is_recorded_with_its_advance_receipt_and_audited(registrar, course):
    payment = _pay(registrar, course)
    assert (payment.amount, payment.registrar, payment.location) == (D("4500.00"), registrar, course.location)
    receipt = Receipt.objects.get(payment=payment)
    assert (receipt.kind, receipt.status, receipt.amount) == (ReceiptKind.ADVANCE, ReceiptStatus.PENDING, D("4500"))
    event = AuditEvent.objects.get(record_type="billing.payment", record_id=payment.pk)
    assert (event.actor, event.patient_id, event.detail["amount"]) == (registrar, course.patient_id, "4500")
    b = course_balance(course)
    assert (b.paid, b.due) == (D("4500.00"), D("6300.00"))


@pytest.mark.django_db
def test_a_second_submit_of_the_same_form_returns_the_first_payment_and_changes_nothing(registrar, course):
    first = _pay(registrar, course)
    again = _pay(registrar, course, amount="100")
    assert again.pk == first.pk and again.amount == D("4500.00")
    assert Payment.objects.count() == Receipt.objects.count() == 1
    assert AuditEvent.objects.filter(record_type="billing.payment").count() == 1


@pytest.mark.django_db
def test_a_form_key_used_for_another_course_is_refused(registrar, course, other_patient, cryo, clinician):
    other = make_course(registrar, other_patient, cryo, clinician=clinician, count=2)
    _pay(registrar, course)
    with pytest.raises(ValidationError, match="already used for another course"):
        _pay(registrar, other)
    assert not other.payments.exists()


@pytest.mark.django_db
def test_a_cancelled_course_takes_no_payment(registrar, course):
    _cancel(course)
    with pytest.raises(ValidationError, match="cancelled"):
        _pay(registrar, course)
    assert not Payment.objects.exists() and not Receipt.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-100", "more than zero"),
        ("1000000.01", "cannot exceed"),
        ("99999999", "cannot exceed"),
        ("10.005", "two digits of kopecks"),
        ("NaN", "Enter the amount"),
    ],
)
def test_a_bad_amount_is_refused_with_a_clear_message(registrar, course, amount, message):
    with pytest.raises(ValidationError, match=message):
        _pay(registrar, course, amount=amount)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_only_roubles_are_taken(registrar, course):
    with pytest.raises(ValidationError, match="roubles only"):
        _pay(registrar, course, currency="USD")
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_payment_beyond_what_is_due_is_refused(registrar, course):
    with pytest.raises(ValidationError, match="Only 10,800.00"):
        _pay(registrar, course, amount="10800.01")
    _pay(registrar, course, amount="10800")
    with pytest.raises(ValidationError, match="Nothing is due"):
        _pay(registrar, course, amount="1", key="another-form-key-000001")


@pytest.mark.django_db
def test_a_payment_for_a_session_of_another_course_is_refused(registrar, course, other_patient, cryo, clinician):
    other = make_course(registrar, other_patient, cryo, clinician=clinician, count=1)
    with pytest.raises(ValidationError, match="not of this course"):
        _pay(registrar, course, session=other.sessions.get())
    payment = _pay(registrar, course, amount="900", session=course.sessions.first())
    assert payment.session == course.sessions.first()


@pytest.mark.django_db
def test_a_refund_of_the_unused_part_of_a_cancelled_course(registrar, course):
    _pay(registrar, course, amount="10800")
    deliver(course, 5)
    _cancel(course)
    with pytest.raises(ValidationError, match=r"At most 6,300.00.*₽ can be refunded: 4,500.00.*₽ of what was"):
        refund_make(actor=registrar, course=course, amount=D("6300.01"), reason="Moved to another city")
    refund = refund_make(actor=registrar, course=course, amount=D("6300"), reason="Moved to another city")
    assert refund.receipt.kind == ReceiptKind.RETURN and refund.receipt.amount == D("6300")
    assert AuditEvent.objects.filter(record_type="billing.refund", record_id=refund.pk).exists()
    b = course_balance(course)
    assert (b.refunded, b.refundable, b.due, b.credit) == (D("6300.00"), D(0), D(0), D(0))


@pytest.mark.django_db
def test_a_refund_beyond_what_was_paid_is_refused(registrar, course):
    _pay(registrar, course, amount="3000")
    with pytest.raises(ValidationError, match="Only 3,000.00.*₽ was paid"):
        refund_make(actor=registrar, course=course, amount=D("3000.01"), reason="Mistake")
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_refund_needs_a_reason(registrar, course):
    _pay(registrar, course, amount="3000")
    with pytest.raises(ValidationError, match="Say why"):
        refund_make(actor=registrar, course=course, amount=D("10"), reason="   ")
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_without_the_discount_on_a_partial_course_less_is_refunded(registrar, course, settings):
    settings.BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE = False
    _pay(registrar, course, amount="10800")
    deliver(course, 5)
    _cancel(course)
    assert course_balance(course).refundable == D("5800.00")  # 5 × 1 000 ₽ used, not 5 × 900 ₽
    with pytest.raises(ValidationError, match="At most 5,800.00"):
        refund_make(actor=registrar, course=course, amount=D("6300"), reason="Stopped")


@pytest.mark.django_db
def test_a_no_show_counts_as_used_by_the_clinics_policy(registrar, course, settings):
    _pay(registrar, course, amount="10800")
    deliver(course, 2)
    deliver(course, 1, status=SessionStatus.NO_SHOW)
    _cancel(course)
    assert course_balance(course).refundable == D("8100.00")
    settings.BILLING_NO_SHOW_COUNTS_AS_USED = False
    assert course_balance(course).refundable == D("9000.00")


@pytest.mark.django_db
def test_the_database_refuses_bad_amounts_and_reasons(registrar, course):
    base = dict(course=course, method="cash", registrar=registrar, location=course.location)
    for amount in (D(0), D("-1"), D("1000000.01")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.create(amount=amount, idempotency_key="k" * 20, **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.create(amount=D(1), reason=" \n", **base)


@pytest.mark.django_db
def test_the_database_refuses_refunds_beyond_the_payments_whatever_the_path(registrar, course):
    _pay(registrar, course, amount="1000")
    base = dict(course=course, method="cash", registrar=registrar, location=course.location, reason="x")
    Refund.objects.create(amount=D("600"), **base)
    with pytest.raises(IntegrityError, match="exceed its payments"), transaction.atomic():
        Refund.objects.create(amount=D("400.01"), **base)
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_payments_and_refunds_are_never_edited_or_deleted(registrar, course):
    payment = _pay(registrar, course, amount="1000")
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(amount=D("1"))
    with pytest.raises(IntegrityError), transaction.atomic():  # PROTECT by its receipt, then the trigger
        Payment.objects.filter(pk=payment.pk).delete()
    assert Payment.objects.get().amount == D("1000.00")


@pytest.mark.django_db
def test_a_payment_without_a_proper_form_key_is_refused(registrar, course):
    with pytest.raises(ValidationError, match="expired"):
        _pay(registrar, course, key="short")
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_form_sent_twice_at_once_is_one_payment(registrar, patient, cryo, clinician):
    course = make_course(registrar, patient, cryo, clinician=clinician, count=2)
    barrier, ids = threading.Barrier(2), []

    def pay():
        try:
            barrier.wait()
            ids.append(_pay(registrar, course, amount="900").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 2 and len(set(ids)) == 1
    assert Payment.objects.filter(course=course).count() == Receipt.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_registrars_refunding_at_once_cannot_refund_twice(registrar, patient, cryo, clinician):
    course = make_course(registrar, patient, cryo, clinician=clinician, count=2)
    _pay(registrar, course, amount="1800")
    _cancel(course)
    barrier, outcomes = threading.Barrier(2), []

    def refund():
        try:
            barrier.wait()
            refund_make(actor=registrar, course=course, amount=D("1800"), reason="Cancelled")
            outcomes.append("refunded")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "refunded" and outcomes.count("refunded") == 1
    assert Refund.objects.filter(course=course).count() == 1


@pytest.mark.django_db
def test_a_patients_export_holds_her_payments_refunds_and_receipts(registrar, administrator, course):
    payment = _pay(registrar, course, amount="1000")
    _cancel(course)
    refund_make(actor=registrar, course=course, amount=D("400"), reason="Changed plans")
    data = export_patient(actor=administrator, patient=course.patient)
    assert [(p["id"], p["amount"]) for p in data["payments"]] == [(payment.pk, "1000.00")]
    assert [(r["amount"], r["reason"]) for r in data["refunds"]] == [("400.00", "Changed plans")]
    assert [r["kind"] for r in data["receipts"]] == ["advance", "return"]

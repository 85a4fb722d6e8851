"""Fiscal receipts reach the cash register exactly once: retries with backoff, a dead worker's claim."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import sending
from billing.fiscal import HttpBackend
from billing.models import Receipt, ReceiptStatus
from billing.services import payment_take, refund_make
from scheduling.models import Course, CourseStatus

from .cash_register import CashRegister

D = Decimal


@pytest.fixture
def http_register(settings):
    with CashRegister() as register:
        settings.BILLING_FISCAL_BACKEND = "http"
        settings.BILLING_FISCAL_URL = register.url
        settings.BILLING_FISCAL_TOKEN = "secret-token"
        yield register


@pytest.fixture
def payment(registrar, course):
    return payment_take(actor=registrar, course=course, amount=D("4500"), method="card", idempotency_key="k" * 20)


def _retry_until_done(receipt_id, now, runs=10):
    """Run the sender as the retries would, each at the time its backoff named."""
    outcomes = []
    for _ in range(runs):
        outcomes.append(sending.send(receipt_id, now).status)
        receipt = Receipt.objects.get(pk=receipt_id)
        if receipt.status != ReceiptStatus.PENDING:
            return outcomes
        assert receipt.next_attempt_at > now  # the backoff waits before the next try
        now = receipt.next_attempt_at + datetime.timedelta(seconds=1)
    return outcomes


@pytest.mark.django_db
def test_a_register_failing_three_times_then_accepting_gets_exactly_one_receipt(settings, payment):
    with CashRegister(failures=3) as register:
        settings.BILLING_FISCAL_BACKEND, settings.BILLING_FISCAL_URL = "http", register.url
        outcomes = _retry_until_done(payment.receipt.pk, timezone.now())
    assert outcomes == ["retry", "retry", "retry", "sent"]
    assert len(register.requests) == 4 and len(register.accepted) == 1
    receipt = Receipt.objects.get(pk=payment.receipt.pk)
    assert (receipt.status, receipt.attempts, receipt.provider_id) == (ReceiptStatus.SENT, 4, "reg-1")
    assert receipt.provider_message == "" and receipt.claimed_until is None
    # Every try carried the same external id: the register could tell the tries apart from new receipts.
    assert {r["body"]["external_id"] for r in register.requests} == {receipt.external_id}
    assert sending.send(receipt.pk, timezone.now() + datetime.timedelta(days=1)).status == "not ours"
    assert len(register.requests) == 4


@pytest.mark.django_db
def test_a_worker_that_dies_holding_the_claim_leaves_it_to_the_next_run_after_the_lease(
    settings, http_register, payment
):
    now = timezone.now()
    assert sending.claim(payment.receipt.pk, now)  # ... and the worker dies: the claim is never released
    later = now + datetime.timedelta(seconds=60)
    assert sending.send(payment.receipt.pk, later).status == "not ours"  # the lease still holds
    assert sending.due_ids(later) == [] and http_register.requests == []
    after_lease = now + datetime.timedelta(seconds=settings.BILLING_FISCAL_LEASE_SECONDS + 1)
    assert sending.due_ids(after_lease) == [payment.receipt.pk]
    assert sending.send(payment.receipt.pk, after_lease).status == ReceiptStatus.SENT
    assert len(http_register.accepted) == 1 and len(http_register.requests) == 1
    assert Receipt.objects.get(pk=payment.receipt.pk).attempts == 2


@pytest.mark.django_db
def test_a_worker_that_dies_after_sending_before_recording_is_still_one_receipt(settings, http_register, payment):
    now = timezone.now()
    receipt = Receipt.objects.get(pk=payment.receipt.pk)
    assert sending.claim(receipt.pk, now)
    HttpBackend().send(sending.build_body(receipt))  # sent, then the worker dies before it records the answer
    after_lease = now + datetime.timedelta(seconds=settings.BILLING_FISCAL_LEASE_SECONDS + 1)
    assert sending.send(receipt.pk, after_lease).status == ReceiptStatus.SENT
    assert len(http_register.requests) == 2 and len(http_register.accepted) == 1
    assert Receipt.objects.get(pk=receipt.pk).provider_id == "reg-1"


@pytest.mark.django_db
def test_two_workers_claiming_at_once_get_it_once(payment):
    now = timezone.now()
    assert [sending.claim(payment.receipt.pk, now) for _ in range(2)] == [True, False]


@pytest.mark.django_db
def test_the_advance_receipt_is_what_a_cloud_register_expects(settings, http_register, payment, patient):
    settings.CLINIC_INN, settings.CLINIC_TAXATION = "7701234567", "usn_income"
    patient.email = ""
    patient.save(update_fields=["email"])
    assert sending.send(payment.receipt.pk).status == ReceiptStatus.SENT
    request = http_register.requests[0]
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    assert request["headers"]["Idempotency-Key"] == payment.receipt.external_id
    body = request["body"]
    assert body["operation"] == "sell"
    receipt = body["receipt"]
    assert receipt["client"] == {"phone": "+79161234567"}  # no email: the phone
    assert receipt["company"]["inn"] == "7701234567" and receipt["company"]["sno"] == "usn_income"
    [item] = receipt["items"]
    assert item["name"] == f"Аванс за курс: {payment.course.procedure.name_ru}, 12 сеансов"  # Russian, always
    assert (item["price"], item["quantity"], item["sum"]) == (4500.0, 1.0, 4500.0)
    assert (item["payment_method"], item["payment_method_tag"]) == ("full_prepayment", 1)
    assert (item["payment_object"], item["vat"]) == ("service", {"type": "none"})
    assert receipt["payments"] == [{"type": 1, "sum": 4500.0}] and receipt["total"] == 4500.0


@pytest.mark.django_db
def test_a_refund_gets_a_return_receipt_to_the_patients_email(settings, http_register, registrar, course, patient):
    patient.email = "maria@example.ru"
    patient.save(update_fields=["email"])
    payment_take(actor=registrar, course=course, amount=D("1000"), method="cash", idempotency_key="k" * 20)
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    refund = refund_make(actor=registrar, course=course, amount=D("1000"), reason="Changed her mind")
    assert sending.send(refund.receipt.pk).status == ReceiptStatus.SENT
    body = http_register.requests[0]["body"]
    assert body["operation"] == "sell_refund" and body["receipt"]["client"] == {"email": "maria@example.ru"}
    assert body["receipt"]["items"][0]["name"].startswith("Возврат аванса за курс")
    assert body["receipt"]["payments"] == [{"type": 0, "sum": 1000.0}]  # cash


@pytest.mark.django_db
def test_a_refused_receipt_fails_with_the_registers_words_shown_on_the_course(settings, as_registrar, payment):
    with CashRegister(refuse="Неверный ИНН организации") as register:
        settings.BILLING_FISCAL_BACKEND, settings.BILLING_FISCAL_URL = "http", register.url
        assert sending.send(payment.receipt.pk).status == ReceiptStatus.FAILED
    receipt = Receipt.objects.get(pk=payment.receipt.pk)
    assert receipt.provider_message == "400: Неверный ИНН организации" and receipt.claimed_until is None
    page = as_registrar.get(payment.course.get_absolute_url()).content.decode()
    assert 'data-receipt-status="failed"' in page and "Неверный ИНН организации" in page


@pytest.mark.django_db
def test_an_unreachable_register_is_retried_until_the_attempts_run_out(settings, payment):
    settings.BILLING_FISCAL_BACKEND = "http"
    settings.BILLING_FISCAL_URL = f"http://127.0.0.1:{CashRegister().port}/nobody-listens"
    settings.BILLING_FISCAL_MAX_ATTEMPTS = 3
    assert _retry_until_done(payment.receipt.pk, timezone.now()) == ["retry", "retry", "failed"]
    receipt = Receipt.objects.get(pk=payment.receipt.pk)
    assert receipt.status == ReceiptStatus.FAILED and "unreachable" in receipt.provider_message


@pytest.mark.django_db
def test_the_file_backend_writes_one_line_per_receipt(settings, tmp_path, payment):
    settings.BILLING_FISCAL_BACKEND, settings.BILLING_FISCAL_FILE_PATH = "file", str(tmp_path / "r.jsonl")
    assert sending.send(payment.receipt.pk).status == ReceiptStatus.SENT
    [line] = (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["external_id"] == payment.receipt.external_id
    assert Receipt.objects.get(pk=payment.receipt.pk).provider_id == f"file-{payment.receipt.external_id}"


@pytest.mark.django_db
def test_an_administrator_sends_a_refused_receipt_again_from_the_admin(settings, administrator, payment):
    from ..conftest import login

    with CashRegister(refuse="Неверный ИНН организации") as register:
        settings.BILLING_FISCAL_BACKEND, settings.BILLING_FISCAL_URL = "http", register.url
        sending.send(payment.receipt.pk)
    page = login(administrator).get("/admin/billing/receipt/")
    assert page.status_code == 200 and "Неверный ИНН организации" in page.content.decode()
    done = login(administrator).post(
        "/admin/billing/receipt/", {"action": "send_again", "_selected_action": [payment.receipt.pk]}, follow=True
    )
    assert "1 receipt will be sent again." in done.content.decode()
    receipt = Receipt.objects.get(pk=payment.receipt.pk)
    assert (receipt.status, receipt.attempts) == (ReceiptStatus.PENDING, 0)
    with CashRegister() as register:
        settings.BILLING_FISCAL_URL = register.url
        assert sending.send(receipt.pk).status == ReceiptStatus.SENT
    assert login(administrator).get(f"/admin/billing/receipt/{receipt.pk}/change/").status_code == 200

"""Receipts with real processes: a Celery worker retrying against a local cash register, and one killed mid-send."""

import datetime
import os
import signal
import threading
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Receipt, ReceiptStatus
from billing.services import payment_take
from billing.tasks import receipts_tick

from ..helpers import celery_worker
from .cash_register import CashRegister

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def _env(register, **extra):
    return {
        "BILLING_FISCAL_BACKEND": "http",
        "BILLING_FISCAL_URL": register.url,
        "BILLING_FISCAL_BACKOFF_SECONDS": "1",
        **extra,
    }


def test_a_real_worker_retries_with_backoff_until_the_register_accepts_one_receipt(registrar, course):
    with CashRegister(failures=3) as register, celery_worker(queue="celery", extra_env=_env(register)):
        # Queued at commit, as a registrar's payment is.
        payment = payment_take(
            actor=registrar, course=course, amount=Decimal("4500"), method="card", idempotency_key="k" * 20
        )
        assert wait_for(lambda: Receipt.objects.get(payment=payment).status == ReceiptStatus.SENT)
    receipt = Receipt.objects.get(payment=payment)
    assert (receipt.attempts, receipt.provider_id) == (4, "reg-1")
    assert len(register.requests) == 4 and list(register.accepted) == [receipt.external_id]


def test_a_worker_killed_mid_send_leaves_the_receipt_to_the_next_run_still_one_at_the_register(registrar, course):
    # The register takes the receipt, then holds the answer: the worker is killed before it records it.
    held = threading.Event()
    env = {"CELERY_TASK_SOFT_TIME_LIMIT": "1", "CELERY_TASK_TIME_LIMIT": "2", "BILLING_FISCAL_LEASE_SECONDS": "3"}
    with CashRegister(hold=held) as register:
        with celery_worker(queue="celery", extra_env=_env(register, **env)) as (worker, _queue):
            payment = payment_take(
                actor=registrar, course=course, amount=Decimal("4500"), method="card", idempotency_key="k" * 20
            )
            assert wait_for(lambda: len(register.requests) == 1)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        held.set()
        receipt = Receipt.objects.get(payment=payment)
        assert receipt.status == ReceiptStatus.SENDING  # the dead worker's claim
        with celery_worker(queue="celery", extra_env=_env(register, **env)):
            assert wait_for(lambda: timezone.now() > receipt.claimed_until + datetime.timedelta(seconds=1), 10)
            assert receipts_tick() == 1  # beat's sweep finds the lapsed claim
            assert wait_for(lambda: Receipt.objects.get(payment=payment).status == ReceiptStatus.SENT)
    assert len(register.requests) == 2 and list(register.accepted) == [receipt.external_id]
    assert Receipt.objects.get(payment=payment).attempts == 2

"""Online payment links: the front desk creates one at the provider; its signed webhook records the payment once."""

import datetime
import hashlib
import hmac
import json
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from billing.models import LinkStatus, Payment, PaymentLink, Receipt, ReceiptKind
from billing.services import payment_link_create, payment_take
from billing.tasks import receipts_tick
from scheduling.models import Course, CourseStatus

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from ..helpers import free_port
from .conftest import make_course
from .payment_provider import PaymentProvider

SECRET = "webhook-secret-for-tests"
WEBHOOK = "/billing/provider/webhook/"


@pytest.fixture
def provider(settings):
    with PaymentProvider() as fake:
        settings.BILLING_PAYMENT_PROVIDER = "http"
        settings.BILLING_PAYMENT_PROVIDER_URL = fake.url
        settings.BILLING_PAYMENT_PROVIDER_TOKEN = "shop-token"
        settings.BILLING_PAYMENT_WEBHOOK_SECRET = SECRET
        yield fake


def _create(client, course, amount="4500"):
    return client.post(reverse("billing:payment-link-create", args=[course.pk]), {"amount": amount}, follow=True)


def _webhook(client, provider_id, amount="4500.00", *, secret=SECRET, event="payment.succeeded"):
    body = json.dumps(
        {"event": event, "object": {"id": provider_id, "amount": {"value": amount, "currency": "RUB"}}}
    ).encode()
    headers = {"X-Payment-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()} if secret else {}
    return client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def link(provider, registrar, course):
    return payment_link_create(actor=registrar, course=course, amount=Decimal("4500"))


@pytest.mark.django_db
def test_the_registrar_creates_a_link_and_sees_it_on_the_course_page(provider, as_registrar, course):
    page = _create(as_registrar, course).content.decode()
    link = PaymentLink.objects.get()
    assert (link.amount, link.status, link.provider_id) == (Decimal("4500.00"), LinkStatus.PENDING, "pay-1")
    assert "Payment link for 4,500.00\xa0₽ created." in page
    assert 'value="https://pay.example/pay-1"' in page and 'data-link-status="pending"' in page
    sent = provider.requests[0]
    assert sent["body"]["amount"] == {"value": "4500.00", "currency": "RUB"}
    assert sent["body"]["metadata"] == {"payment_link": link.pk}
    assert f"Course {course.pk}:" in sent["body"]["description"]
    assert sent["body"]["confirmation"]["return_url"].endswith(reverse("portal:home"))
    assert sent["headers"]["Idempotence-Key"] == f"clinic-link-{link.pk}"
    assert sent["headers"]["Authorization"] == "Bearer shop-token"
    assert not Payment.objects.exists()  # nothing is paid until the provider says so


@pytest.mark.django_db
def test_the_form_is_offered_only_with_a_provider(settings, provider, as_registrar, course):
    assert (
        reverse("billing:payment-link-create", args=[course.pk])
        in as_registrar.get(course.get_absolute_url()).content.decode()
    )
    settings.BILLING_PAYMENT_PROVIDER = ""
    assert "Create a payment link" not in as_registrar.get(course.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_provider_that_is_down_gives_a_clear_error_and_saves_nothing(provider, as_registrar, course):
    provider.down = True
    page = _create(as_registrar, course).content.decode()
    assert "The payment provider did not create the link (503 Service Unavailable); try again later." in page
    assert not PaymentLink.objects.exists()


@pytest.mark.django_db
def test_an_unreachable_provider_saves_nothing(settings, provider, registrar, course):
    settings.BILLING_PAYMENT_PROVIDER_URL = f"http://127.0.0.1:{free_port()}/v3/payments"
    with pytest.raises(ValidationError) as refused:
        payment_link_create(actor=registrar, course=course, amount=Decimal("100"))
    assert refused.value.code == "provider_failed" and not PaymentLink.objects.exists()


@pytest.mark.django_db
def test_without_a_provider_no_link_is_made(settings, registrar, course):
    settings.BILLING_PAYMENT_PROVIDER = ""
    with pytest.raises(ValidationError) as refused:
        payment_link_create(actor=registrar, course=course, amount=Decimal("100"))
    assert refused.value.code == "no_provider" and not PaymentLink.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_or_paid_course_gets_no_link(provider, registrar, course):
    payment_take(actor=registrar, course=course, amount=Decimal("10800"), method="cash", idempotency_key="k" * 20)
    with pytest.raises(ValidationError) as refused:
        payment_link_create(actor=registrar, course=course, amount=Decimal("100"))
    assert refused.value.code == "nothing_due"
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    with pytest.raises(ValidationError) as refused:
        payment_link_create(actor=registrar, course=course, amount=Decimal("100"))
    assert refused.value.code == "course_cancelled"
    assert not PaymentLink.objects.exists() and not provider.requests


@pytest.mark.django_db
def test_a_link_for_more_than_is_due_is_refused(provider, registrar, course):
    with pytest.raises(ValidationError) as refused:
        payment_link_create(actor=registrar, course=course, amount=Decimal("10800.01"))
    assert refused.value.error_dict["amount"][0].code == "beyond_due" and not PaymentLink.objects.exists()


@pytest.mark.django_db
def test_a_signed_webhook_records_one_online_payment_with_its_receipt(client, link, registrar):
    response = _webhook(client, link.provider_id)
    assert response.status_code == 200 and response.json()["status"] == "paid"
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.registrar) == (Decimal("4500.00"), "online", registrar)
    assert Receipt.objects.get().kind == ReceiptKind.ADVANCE and payment.receipt
    link.refresh_from_db()
    assert link.status == LinkStatus.PAID and link.payment == payment and link.paid_at is not None


@pytest.mark.django_db
def test_a_replayed_webhook_changes_nothing(client, link):
    _webhook(client, link.provider_id)
    paid_at = PaymentLink.objects.get().paid_at
    again = _webhook(client, link.provider_id)
    assert again.status_code == 200 and again.json()["status"] == "paid"
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert PaymentLink.objects.get().paid_at == paid_at


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["", "someone-elses-secret"])
def test_an_unsigned_or_wrongly_signed_webhook_is_refused(client, link, secret):
    response = _webhook(client, link.provider_id, secret=secret)
    assert response.status_code == 403 and response.json()["error"]["code"] == "bad_signature"
    assert not Payment.objects.exists() and PaymentLink.objects.get().status == LinkStatus.PENDING


@pytest.mark.django_db
def test_an_unknown_payment_is_404(client, link):
    response = _webhook(client, "pay-999")
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_payment"
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_an_amount_other_than_the_links_records_nothing(client, link):
    response = _webhook(client, link.provider_id, amount="4000.00")
    assert response.status_code == 400 and response.json()["error"]["code"] == "amount_mismatch"
    assert not Payment.objects.exists() and PaymentLink.objects.get().status == LinkStatus.PENDING


@pytest.mark.django_db
def test_a_webhook_answers_only_posts(client, provider):
    assert client.get(WEBHOOK).status_code == 405


@pytest.mark.django_db
def test_a_link_paid_after_the_course_was_paid_at_the_desk_is_marked_failed(client, link, registrar, course):
    payment_take(actor=registrar, course=course, amount=Decimal("10800"), method="cash", idempotency_key="k" * 20)
    response = _webhook(client, link.provider_id)
    assert response.status_code == 200 and response.json()["status"] == "failed"
    assert Payment.objects.count() == 1  # the desk's; the provider's money is to be refunded there


@pytest.mark.django_db
def test_clinicians_and_patients_cannot_create_links(provider, as_clinician, patient_user, course):
    url = reverse("billing:payment-link-create", args=[course.pk])
    assert as_clinician.post(url, {"amount": "100"}).status_code == 403
    assert login(patient_user).post(url, {"amount": "100"}).status_code == 403
    assert not PaymentLink.objects.exists() and not provider.requests


@pytest.mark.django_db
def test_a_registrar_of_another_location_cannot_create_a_link(provider, course):
    stranger = UserFactory(username="elsewhere", role="registrar", locations=[LocationFactory(name="North")])
    response = login(stranger).post(reverse("billing:payment-link-create", args=[course.pk]), {"amount": "100"})
    assert response.status_code == 404 and not PaymentLink.objects.exists() and not provider.requests


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_webhooks_at_once_record_one_payment(provider, registrar, patient, cryo, clinician):
    course = make_course(registrar, patient, cryo, clinician=clinician, count=2)
    link = payment_link_create(actor=registrar, course=course, amount=Decimal("900"))
    barrier, answers = threading.Barrier(2), []

    def deliver():
        try:
            barrier.wait()
            answers.append(_webhook(Client(), link.provider_id, amount="900.00").json()["status"])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["paid", "paid"]
    assert Payment.objects.filter(course=course).count() == Receipt.objects.count() == 1


@pytest.mark.django_db
def test_the_sweep_marks_an_unpaid_link_expired_and_a_late_payment_still_counts(client, link, as_registrar, course):
    fresh = payment_link_create(actor=link.created_by, course=course, amount=Decimal("100"))
    PaymentLink.objects.filter(pk=link.pk).update(expires_at=link.created_at - datetime.timedelta(seconds=1))
    receipts_tick()
    link.refresh_from_db()
    fresh.refresh_from_db()
    assert (link.status, fresh.status) == (LinkStatus.EXPIRED, LinkStatus.PENDING)
    page = as_registrar.get(reverse("scheduling:course", args=[course.pk])).content.decode()
    assert f'data-payment-link="{link.pk}" data-link-status="expired"' in page
    assert page.count("Payment link to copy") == 1  # only the fresh one is offered
    assert _webhook(client, link.provider_id).json()["status"] == "paid"  # the money arrived: it is recorded
    assert Payment.objects.filter(link=link).exists()

"""The money on the course page: for the front desk only, in a fixed number of queries."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from billing.models import Payment, Refund
from billing.money import rub
from billing.services import payment_take, refund_make
from scheduling.models import Course, CourseStatus

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from ..helpers import page_queries
from .conftest import deliver, make_course

D = Decimal


def _key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)


def _pay(registrar, course, amount, key):
    return payment_take(actor=registrar, course=course, amount=D(amount), method="card", idempotency_key=key)


@pytest.mark.django_db
def test_the_registrar_sees_the_balance_payments_and_receipts(as_registrar, registrar, course):
    _pay(registrar, course, "4500", "k" * 20)
    deliver(course, 5)
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "5 of 12 sessions used · paid 4,500.00\xa0₽ · <strong>due 6,300.00\xa0₽</strong>" in page
    assert "Price 10,800.00\xa0₽ · used 4,500.00\xa0₽ · refunded 0.00\xa0₽" in page
    assert 'data-receipt-status="pending"' in page and "waiting to be sent" in page
    assert reverse("billing:payment-take", args=[course.pk]) in page
    assert 'value="6300.00"' in page  # what is due, offered


@pytest.mark.django_db
def test_money_reads_the_russian_way_in_russian(as_registrar, registrar, course):
    _pay(registrar, course, "4500", "k" * 20)
    with translation.override("ru"):
        assert rub(D("4500")) == "4\xa0500,00\xa0₽"
    page = as_registrar.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "оплачено 4\xa0500,00\xa0₽" in page and "к оплате 6\xa0300,00\xa0₽" in page


@pytest.mark.django_db
def test_a_clinician_sees_nothing_financial(as_clinician, registrar, course):
    _pay(registrar, course, "4500", "k" * 20)
    page = as_clinician.get(course.get_absolute_url()).content.decode()
    assert 'id="money"' not in page and "4,500.00" not in page and "sessions used" not in page
    assert "/billing/" not in page


@pytest.mark.django_db
def test_each_rendering_of_the_form_has_its_own_key_and_a_second_submit_pays_once(as_registrar, course):
    first, second = (_key(as_registrar.get(course.get_absolute_url()).content.decode()) for _ in range(2))
    assert first != second
    url = reverse("billing:payment-take", args=[course.pk])
    for _ in range(2):
        response = as_registrar.post(url, {"amount": "4 500,50", "method": "cash", "idempotency_key": first})
        assert response.status_code == 302
    assert list(Payment.objects.values_list("amount", flat=True)) == [D("4500.50")]


@pytest.mark.django_db
def test_a_bad_payment_shows_why_and_saves_nothing(as_registrar, course):
    url = reverse("billing:payment-take", args=[course.pk])
    for amount, message in (("abc", "Enter the amount in roubles"), ("-5", "more than zero"), ("20000", "Only")):
        page = as_registrar.post(url, {"amount": amount, "method": "cash", "idempotency_key": "x" * 20}, follow=True)
        assert message in page.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_course_offers_a_refund_of_the_unused_part_and_no_payment(as_registrar, registrar, course):
    _pay(registrar, course, "10800", "k" * 20)
    deliver(course, 5)
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert reverse("billing:payment-take", args=[course.pk]) not in page
    assert "in credit 6,300.00\xa0₽" in page and 'value="6300.00"' in page
    url = reverse("billing:refund-make", args=[course.pk])
    refused = as_registrar.post(url, {"amount": "6300", "method": "cash", "reason": ""}, follow=True)
    assert "This field is required" in refused.content.decode() and not Refund.objects.exists()
    done = as_registrar.post(url, {"amount": "6300", "method": "cash", "reason": "Moved away"}, follow=True)
    assert "Refund of 6,300.00\xa0₽ made." in done.content.decode()
    assert "Moved away" in done.content.decode() and "nothing due" in done.content.decode()


@pytest.mark.django_db
def test_clinicians_and_patients_cannot_take_payments_or_refund(as_clinician, patient_user, course):
    for url in (reverse("billing:payment-take", args=[course.pk]), reverse("billing:refund-make", args=[course.pk])):
        body = {"amount": "100", "method": "cash", "idempotency_key": "x" * 20, "reason": "x"}
        assert as_clinician.post(url, body).status_code == 403
        assert login(patient_user).post(url, body).status_code == 403
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_registrar_of_another_branch_cannot_touch_the_course(course):
    stranger = UserFactory(username="elsewhere", role="registrar", locations=[LocationFactory(name="North")])
    url = reverse("billing:payment-take", args=[course.pk])
    response = login(stranger).post(url, {"amount": "100", "method": "cash", "idempotency_key": "x" * 20})
    assert response.status_code == 404 and not Payment.objects.exists()


@pytest.mark.django_db
def test_the_money_block_adds_the_same_queries_however_many_payments(as_registrar, registrar, course):
    url = course.get_absolute_url()
    none = page_queries(as_registrar, url)
    for n in range(4):
        _pay(registrar, course, "1000", f"key-{n}-0123456789abc")
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    refund_make(actor=registrar, course=course, amount=D("500"), reason="a")
    refund_make(actor=registrar, course=course, amount=D("500"), reason="b")
    assert page_queries(as_registrar, url) == none


@pytest.mark.django_db
def test_the_patient_reads_her_courses_balance_in_the_portal(patient_user, registrar, course):
    _pay(registrar, course, "4500", "k" * 20)
    deliver(course, 1)
    page = login(patient_user).get(reverse("portal:home")).content.decode()
    assert "Оплачено 4\xa0500,00\xa0₽ · к оплате 6\xa0300,00\xa0₽" in page  # her own language
    assert reverse("billing:payment-take", args=[course.pk]) not in page


@pytest.mark.django_db
def test_the_portals_balances_cost_two_queries_however_many_courses(patient_user, registrar, course, cryo, clinician):
    from procedures.models import Procedure

    me = login(patient_user)
    one = page_queries(me, reverse("portal:home"))
    prp = Procedure.objects.get(slug="plasmolifting")
    other = make_course(registrar, course.patient, prp, clinician=clinician, count=3)
    _pay(registrar, other, "100", "k" * 20)
    _pay(registrar, course, "100", "m" * 20)
    assert page_queries(me, reverse("portal:home")) == one


@pytest.mark.django_db
def test_the_amount_fields_are_prefilled_the_way_the_page_s_language_writes_them(as_registrar, registrar, course):
    _pay(registrar, course, "4500.50", "k" * 20)
    course.status = CourseStatus.CANCELLED
    course.save(update_fields=["status"])
    english = as_registrar.get(course.get_absolute_url()).content.decode()
    assert 'id="refund-amount" required inputmode="decimal" value="4500.50"' in english
    russian = as_registrar.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'id="refund-amount" required inputmode="decimal" value="4500,50"' in russian
    # What the field offers, and the grouped Russian way, both go through.
    for amount in ("0,50", "1 000,00"):
        response = as_registrar.post(
            reverse("billing:refund-make", args=[course.pk]),
            {"amount": amount, "method": "card", "reason": "Переезд"},
            HTTP_ACCEPT_LANGUAGE="ru",
        )
        assert response.status_code == 302, amount
    assert sorted(r.amount for r in Refund.objects.filter(course=course)) == [D("0.50"), D("1000.00")]


@pytest.mark.django_db
def test_the_due_amount_is_offered_with_a_comma_in_russian(as_registrar, course):
    page = as_registrar.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'id="pay-amount" required inputmode="decimal" value="10800,00"' in page

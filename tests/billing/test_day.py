"""The cashier's day: totals by method and staff member, for the front desk and administrators."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from billing.day import day_totals
from billing.models import Payment, Refund
from billing.services import payment_take, refund_make
from scheduling.models import Course, CourseStatus

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from ..helpers import page_queries
from .conftest import make_course

D = Decimal


def test_the_totals_add_up_by_method_and_by_staff_member():
    totals = day_totals(
        [
            ("payment", "cash", "Anna", D("1000")),
            ("payment", "card", "Anna", D("2500")),
            ("payment", "cash", "Boris", D("500")),
            ("refund", "cash", "Boris", D("200")),
        ]
    )
    assert (totals.all.taken, totals.all.refunded, totals.all.net, totals.all.count) == (D(4000), D(200), D(3800), 4)
    assert {m: t.net for m, t in totals.by_method.items()} == {"card": D(2500), "cash": D(1300)}
    assert {s: (t.taken, t.refunded) for s, t in totals.by_staff.items()} == {
        "Anna": (D(3500), D(0)),
        "Boris": (D(500), D(200)),
    }


def _day(course, registrar, *, payments=1):
    for n in range(payments):
        payment_take(
            actor=registrar,
            course=course,
            amount=D("1000"),
            method="cash" if n % 2 else "card",
            idempotency_key=f"day-key-{course.pk}-{n}-0123456789",
        )


@pytest.mark.django_db
def test_the_registrar_sees_the_days_totals_and_entries(as_registrar, registrar, course, location):
    _day(course, registrar, payments=3)
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    refund_make(actor=registrar, course=course, amount=D("300"), reason="Overpaid")
    page = as_registrar.get(reverse("billing:day")).content.decode()
    assert "Taken 3,000.00\xa0₽ · refunded 300.00\xa0₽ · in all 2,700.00\xa0₽" in page
    assert page.count("data-payment=") == 3 and page.count("data-refund=") == 1 and "Overpaid" in page
    assert page.count("data-method") == 2 and page.count("data-staff") == 1
    assert page.count('data-receipt-status="pending"') == 4  # each entry's receipt
    assert AuditEvent.objects.filter(record_type="billing.payment", action="view_list").exists()


@pytest.mark.django_db
def test_another_day_shows_nothing_of_today(as_registrar, registrar, course, location):
    _day(course, registrar)
    yesterday = timezone.localdate(timezone=location.tz) - datetime.timedelta(days=1)
    page = as_registrar.get(reverse("billing:day"), {"date": yesterday.isoformat()}).content.decode()
    assert "Nothing taken or refunded this day." in page and "data-payment=" not in page


@pytest.mark.django_db
def test_a_registrar_sees_only_a_location_they_work_at_and_an_administrator_any(
    as_registrar, administrator, registrar, course
):
    north = LocationFactory(name="North")
    assert as_registrar.get(reverse("billing:day"), {"location": north.pk}).status_code == 403
    _day(course, registrar)
    page = login(administrator).get(reverse("billing:day"), {"location": course.location_id}).content.decode()
    assert "data-payment=" in page


@pytest.mark.django_db
def test_clinicians_and_patients_have_no_cashiers_day(as_clinician, patient_user):
    assert as_clinician.get(reverse("billing:day")).status_code == 403
    assert login(patient_user).get(reverse("billing:day")).status_code == 403


@pytest.mark.django_db
def test_the_day_runs_the_same_queries_however_many_entries(
    as_registrar, registrar, course, other_patient, cryo, clinician
):
    _day(course, registrar)
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    refund_make(actor=registrar, course=course, amount=D("100"), reason="x")
    one = page_queries(as_registrar, reverse("billing:day"))
    other = make_course(registrar, other_patient, cryo, clinician=clinician, count=10)
    second = UserFactory(username="registrar2", role="registrar", locations=[course.location])
    _day(other, second, payments=5)
    Course.objects.filter(pk=other.pk).update(status=CourseStatus.CANCELLED)
    refund_make(actor=second, course=other, amount=D("100"), reason="y")
    assert Payment.objects.count() == 6 and Refund.objects.count() == 2
    assert page_queries(as_registrar, reverse("billing:day")) == one

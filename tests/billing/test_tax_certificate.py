"""The certificate of payment for the tax deduction: a PDF in Russian with the year's payments."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from billing.models import Payment
from billing.services import payment_take

from ..conftest import login

D = Decimal


def _text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return re.sub(r"\s+", " ", text).replace("\xa0", " ")


@pytest.fixture
def paid_this_year(registrar, course):
    payment_take(actor=registrar, course=course, amount=D("4500"), method="card", idempotency_key="k" * 20)
    return timezone.localdate(timezone=course.location.tz).year


@pytest.mark.django_db
def test_the_registrar_prints_the_patients_certificate_for_a_year(settings, as_registrar, patient, paid_this_year):
    settings.CLINIC_LEGAL_NAME, settings.CLINIC_INN = "ООО «Трихо»", "7701234567"
    url = reverse("billing:tax-certificate", args=[patient.pk])
    text = _text(as_registrar.get(url, {"year": paid_this_year}))
    assert "Справка об оплате медицинских услуг для представления в налоговые органы" in text
    assert "ООО «Трихо»" in text and "7701234567" in text and patient.full_name in text
    assert f"Налоговый период {paid_this_year}" in text and "4 500,00 ₽" in text
    assert AuditEvent.objects.filter(patient_id=patient.pk, detail__tax_certificate=paid_this_year).exists()


@pytest.mark.django_db
def test_a_year_without_payments_certifies_nothing_paid(as_registrar, patient, paid_this_year):
    text = _text(as_registrar.get(reverse("billing:tax-certificate", args=[patient.pk]), {"year": paid_this_year - 1}))
    assert "0,00 ₽" in text and "4 500,00" not in text


@pytest.mark.django_db
def test_the_patient_downloads_her_own_certificate_from_the_portal(patient_user, patient, paid_this_year):
    me = login(patient_user)
    assert reverse("billing:my-tax-certificate") in me.get(reverse("portal:home")).content.decode()
    text = _text(me.get(reverse("billing:my-tax-certificate"), {"year": paid_this_year}))
    assert patient.full_name in text and "4 500,00 ₽" in text


@pytest.mark.django_db
def test_a_nonsense_year_is_not_found_and_clinicians_get_no_certificate(as_registrar, as_clinician, patient):
    url = reverse("billing:tax-certificate", args=[patient.pk])
    for year in ("1999", "3000", "abc"):
        assert as_registrar.get(url, {"year": year}).status_code == 404
    assert as_clinician.get(url).status_code == 403
    assert not Payment.objects.exists()


def _years_on(page: str, url: str) -> list[str]:
    return re.findall(re.escape(url) + r"\?year=(\d+)", page)


@pytest.mark.django_db
def test_the_portal_offers_each_year_the_patient_paid_in_newest_first(patient_user, patient, registrar, course):
    me, url = login(patient_user), reverse("billing:my-tax-certificate")
    assert url not in me.get(reverse("portal:home")).content.decode()  # nothing paid: nothing to certify
    this_year = (
        payment_take(actor=registrar, course=course, amount=D("3000"), method="card", idempotency_key="a" * 20)
        .taken_at.astimezone(course.location.tz)
        .year
    )
    # Two years back (payments are append-only: written as it was then, receipt aside).
    Payment.objects.create(
        course=course,
        amount=D("1500"),
        method="cash",
        registrar=registrar,
        location=course.location,
        taken_at=timezone.now().replace(year=this_year - 2, month=6, day=15),
        idempotency_key="b" * 20,
    )
    assert _years_on(me.get(reverse("portal:home")).content.decode(), url) == [str(this_year), str(this_year - 2)]
    text = _text(me.get(url, {"year": this_year}))
    assert "3 000,00 ₽" in text


@pytest.mark.django_db
def test_the_course_page_lists_only_years_with_payments(as_registrar, registrar, patient, course):
    url = reverse("billing:tax-certificate", args=[patient.pk])
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert _years_on(page, url) == [] and "no payments yet" in page
    payment = payment_take(actor=registrar, course=course, amount=D("3000"), method="card", idempotency_key="a" * 20)
    this_year = payment.taken_at.astimezone(course.location.tz).year
    assert _years_on(as_registrar.get(course.get_absolute_url()).content.decode(), url) == [str(this_year)]


@pytest.mark.django_db
def test_the_certificate_names_the_patient_surname_first_as_stored(as_registrar, patient, paid_this_year):
    patient.full_name = "Иванова Мария Петровна"
    patient.save(update_fields=["full_name"])
    text = _text(as_registrar.get(reverse("billing:tax-certificate", args=[patient.pk]), {"year": paid_this_year}))
    assert "Иванова Мария Петровна" in text and "Мария Петровна Иванова" not in text

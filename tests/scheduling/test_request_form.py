"""The public request form reads like the clinic's own page: its name and phone, plain labels, no dashes."""

import pytest
from django.urls import reverse
from django.utils import translation


@pytest.mark.django_db
def test_the_request_form_names_the_clinic_and_asks_plainly(client, settings):
    settings.CLINIC_NAME, settings.CLINIC_PHONE = "Клиника «Трихо»", "+7 495 000-00-00"
    with translation.override("ru"):
        page = client.get(reverse("public-request"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<title>Заявка на приём · Клиника «Трихо»" in page.replace("&laquo;", "«").replace("&raquo;", "»")
    assert 'href="tel:+7495000-00-00"' in page and "+7 495 000-00-00" in page
    assert ">\n                Имя<" in page or "Имя<span" in page
    assert "---------" not in page
    assert '<option value="" selected>Не знаю — подскажет администратор</option>' in page
    assert 'type="tel"' in page and 'autocomplete="tel"' in page and 'autocomplete="name"' in page


@pytest.mark.django_db
def test_a_request_without_a_procedure_is_still_taken(client, as_registrar):
    response = client.post(
        reverse("public-request"),
        {"name": "Анна", "phone": "+7 916 000 11 22", "procedure": "", "privacy_consent": "on"},
    )
    assert response.status_code == 200
    from scheduling.models import BookingRequest

    assert BookingRequest.objects.get().procedure is None

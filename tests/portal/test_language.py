"""A patient's pages speak the patient's language (Patient.preferred_language) unless they chose another."""

import pytest
from django.urls import reverse

from patients.models import Patient

pytestmark = pytest.mark.django_db


def test_a_russian_patient_reads_the_portal_in_russian_whatever_the_browser_says(client, patient, patient_user):
    Patient.objects.filter(pk=patient.pk).update(preferred_language="ru")
    client.force_login(patient_user)
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="ru"' in page.text and "Мои сеансы" in page.text


def test_an_english_patient_reads_it_in_english_on_a_russian_phone(client, patient, patient_user):
    Patient.objects.filter(pk=patient.pk).update(preferred_language="en")
    client.force_login(patient_user)
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="ru")
    assert '<html lang="en"' in page.text and "My sessions" in page.text


def test_a_language_chosen_with_the_switcher_wins(client, patient, patient_user):
    Patient.objects.filter(pk=patient.pk).update(preferred_language="en")
    client.force_login(patient_user)
    client.cookies["django_language"] = "ru"
    assert "Мои сеансы" in client.get(reverse("portal:home")).text


def test_staff_pages_follow_the_browser(client, registrar):
    client.force_login(registrar)
    assert '<html lang="ru"' in client.get(reverse("patients:list"), HTTP_ACCEPT_LANGUAGE="ru").text
    assert '<html lang="en"' in client.get(reverse("patients:list"), HTTP_ACCEPT_LANGUAGE="en").text


def test_a_later_sessions_cancel_link_says_the_session_once_to_a_screen_reader(client, patient, patient_user, sessions):
    Patient.objects.filter(pk=patient.pk).update(preferred_language="ru")
    client.force_login(patient_user)
    page = client.get(reverse("portal:home")).text
    # «Отменить сеанс» already names the session: the hidden words give only its day, not «сеанс сеанс 5 декабря».
    assert 'Отменить сеанс<span class="visually-hidden"> ' in page
    assert 'Отменить сеанс<span class="visually-hidden"> сеанс' not in page
    assert 'Перенести<span class="visually-hidden"> сеанс ' in page  # «Перенести» still says which

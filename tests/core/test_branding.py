"""The clinic's name and logo in the header and titles, a favicon, a description on public pages, and the
one style of dates (core.dates)."""

import datetime
import re
import zoneinfo

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core import dates
from procedures.models import Procedure

PUBLIC = ["login", "public-request", "portal:sign-in"]


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_carry_the_clinics_name_and_a_description(settings, name):
    settings.CLINIC_NAME, settings.CLINIC_NAME_EN = "Клиника «Северное сияние»", "Northern Lights Clinic"
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    html = client.get(reverse(name)).content.decode()
    assert _title(html).endswith("· Клиника «Северное сияние»")
    assert 'class="clinic-name">Клиника «Северное сияние»</span>' in html
    assert "Планировщик процедур" not in html and "Procedure planner" not in html
    description = re.search(r'<meta name="description" content="([^"]+)">', html).group(1)
    assert description.startswith("Клиника «Северное сияние» — ") and len(description) > 60


@pytest.mark.django_db
def test_an_english_page_names_the_clinic_in_english(settings, as_registrar):
    settings.CLINIC_NAME, settings.CLINIC_NAME_EN = "Клиника «Северное сияние»", "Northern Lights Clinic"
    html = as_registrar.get(reverse("patients:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _title(html) == "Patients · Northern Lights Clinic"
    assert "Northern Lights Clinic</span></a>" in html


@pytest.mark.django_db
def test_the_logo_shows_beside_the_name_when_the_clinic_has_one(settings):
    settings.CLINIC_LOGO = "favicon.svg"
    html = Client().get(reverse("login")).content.decode()
    assert re.search(r'<img class="clinic-logo" src="/static/favicon[^"]*\.svg" alt="" height="32">', html)
    settings.CLINIC_LOGO = ""
    assert "clinic-logo" not in Client().get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_every_page_links_a_favicon_and_favicon_ico_is_served(client):
    html = client.get(reverse("login")).content.decode()
    for href in re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="/static/([^"]+)"', html):
        assert finders.find(href), href
    assert len(re.findall(r'<link rel="icon"', html)) == 2
    response = client.get("/favicon.ico")  # browsers ask for it whatever the page says; no login needed
    assert response.status_code == 302 and response["Location"].startswith("/static/favicon")
    assert finders.find("favicon.ico")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_the_account_pages_and_the_language_sit_in_a_menu_under_the_users_name(as_registrar, registrar):
    html = as_registrar.get(reverse("patients:list")).content.decode()
    menu = html.split('class="dropdown-menu', 1)[1].split("</nav>", 1)[0]
    for url in (
        reverse("password_change"),
        reverse("two-factor-setup"),
        reverse("api-tokens"),
        reverse("set_language"),
    ):
        assert url in menu
    assert html.count('id="language"') == 1  # the switcher once, in the menu
    assert "navbar-expand-xl" in html  # open from 1200 px: a 1366-px laptop gets the whole bar


def test_dates_read_in_one_style_in_russian_and_english():
    day = datetime.date(2026, 12, 7)
    moment = datetime.datetime(2026, 12, 2, 10, 30)
    with translation.override("ru"):
        assert dates.long_date(moment.date()) == "2 декабря 2026"
        assert dates.long_date(day, weekday=True) == "понедельник, 7 декабря 2026"
        assert dates.long_date(moment, time=True) == "2 декабря 2026, 10:30"
        assert dates.short_date(day) == "пн, 7 дек."
        assert dates.short_date(datetime.date(2027, 5, 3)) == "пн, 3 мая"
        assert dates.short_date(moment, time=True) == "ср, 2 дек., 10:30"
        assert dates.short_date(day, year=True) == "пн, 7 дек. 2026"
    with translation.override("en"):
        assert dates.long_date(moment.date()) == "2 December 2026"
        assert dates.short_date(day) == "Mon, 7 Dec"
        assert dates.short_date(moment, time=True) == "Wed, 2 Dec, 10:30"


def test_the_template_filters_show_a_moment_in_the_active_time_zone():
    moment = datetime.datetime(2026, 12, 2, 7, 30, tzinfo=datetime.UTC)
    template = Template(
        '{% load clinic_dates %}{{ m|long_date:"time" }} | {{ m|short_date:"time" }} | {{ d|long_date }}'
    )
    with translation.override("ru"), timezone.override(zoneinfo.ZoneInfo("Asia/Magadan")):
        text = template.render(Context({"m": moment, "d": None}))
    assert text == "2 декабря 2026, 18:30 | ср, 2 дек., 18:30 | "


def test_a_time_zone_is_named_by_its_city_with_its_offset():
    """The course page said «Время: Europe/Moscow» on a Russian page."""
    from django.utils import translation

    moscow, berlin = zoneinfo.ZoneInfo("Europe/Moscow"), zoneinfo.ZoneInfo("Europe/Berlin")
    winter, summer = (
        datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC),
        datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),
    )
    assert dates.zone_label(moscow, at=winter) == "Moscow, UTC+03:00"
    assert dates.zone_label(berlin, at=summer) == "Berlin, UTC+02:00"
    york = zoneinfo.ZoneInfo("America/New_York")
    assert dates.zone_label(york, at=winter) == "America/New_York, UTC-05:00"  # no name of ours: its key
    with translation.override("ru"):
        assert dates.zone_label(moscow, at=winter) == "Москва, UTC+03:00"
        assert dates.zone_label(zoneinfo.ZoneInfo("Asia/Magadan"), at=winter) == "Магадан, UTC+11:00"
        assert dates.zone_label(york, at=winter) == "America/New_York, UTC-05:00"


@pytest.mark.django_db
def test_a_procedure_is_named_in_the_readers_language():
    cryo = Procedure.objects.get(slug="cryomassage-contact")
    assert cryo.name_for("en") == "Scalp cryomassage, contact"
    assert cryo.name_for("en-gb") == "Scalp cryomassage, contact"
    assert cryo.name_for("ru") == cryo.name_ru == "Криомассаж кожи головы (контактный)"
    assert cryo.name_for(None) == cryo.name_ru
    with translation.override("en"):
        assert cryo.name == "Scalp cryomassage, contact"


@pytest.mark.django_db
def test_the_password_reset_email_names_the_clinic_not_the_server(settings, mailoutbox, registrar):
    settings.CLINIC_NAME_EN = "Northern Lights Clinic"
    registrar.email = "regina@clinic.example"
    registrar.save(update_fields=["email"])
    Client().post(reverse("password_reset"), {"email": "regina@clinic.example"}, HTTP_ACCEPT_LANGUAGE="en")
    [mail] = mailoutbox
    assert "Northern Lights Clinic" in mail.subject and "your account at Northern Lights Clinic." in mail.body

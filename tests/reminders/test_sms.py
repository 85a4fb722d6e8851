"""SMS that fit: two parts at most, counted the way gateways count, read back from the SMS file backend."""

import datetime
import json
import time

import pytest
from django.core import signing
from django.db import connection
from django.utils import timezone

from accounts.models import Location
from core import sms
from patients.models import Patient
from procedures.models import Procedure
from reminders import links
from reminders import services as reminders
from reminders.models import Dispatch, DispatchStatus
from scheduling.models import Session, SessionStatus

from .conftest import book_course

HOUR = datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character costs two septets
        ("€" * 81, 2),
        ("a" * 159 + "€", 2),
        ("a" * 152 + "€" + "a" * 152, 3),  # the escape and its € never straddle two parts: a third part
        ("я" * 70, 1),  # one Cyrillic letter makes the whole text UCS-2
        ("я" * 71, 2),
        ("я" * 134, 2),
        ("я" * 135, 3),
        ("a" * 69 + "…", 1),  # "…" is not GSM-7
        ("😀" * 35, 1),  # a surrogate pair is two UCS-2 units
        ("😀" * 36, 2),
    ],
)
def test_parts_are_counted_the_way_gateways_split(text, expected):
    assert sms.parts(text) == expected


def test_fit_shortens_the_flexible_pieces_and_never_the_rest():
    def render(name, clinic):
        return f"{clinic}: {name} 24.11 в 08:30. https://x.ru/s/{'q' * 40}/"

    name = "Криотерапия после лазера, пилинга или микродермабразии " * 3
    text = sms.fit(render, name, "Клиника")
    assert sms.parts(text) <= 2 and text.endswith(f"https://x.ru/s/{'q' * 40}/")
    assert "…" in text and text.startswith("Клиника: Криотерапия после")
    assert sms.fit(render, "Криомассаж", "Клиника") == render("Криомассаж", "Клиника")  # fits: untouched


@pytest.fixture
def consenting(eligible_patient, settings):
    settings.SMS_BACKEND = "core.sms.FileBackend"
    Patient.objects.filter(pk=eligible_patient.pk).update(consent_sms=True, preferred_language="ru")
    eligible_patient.refresh_from_db()
    return eligible_patient


def sent_sms(settings, tmp_path, dispatches, now) -> list[dict]:
    """Send the dispatches through core.sms.FileBackend; the lines it wrote."""
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    open(settings.SMS_FILE_PATH, "w").close()
    outcomes = reminders.send_batch([d.pk for d in dispatches], now)
    assert {o.status for o in outcomes.values()} == {DispatchStatus.SENT}, outcomes
    with open(settings.SMS_FILE_PATH, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def worst_case(location, procedures, settings):
    """The longest names the clinic has: every seeded procedure's SMS name replaced by its full name
    (the longest seeded one), a long branch name, a long clinic name, a long site address and an id
    of seven digits."""
    settings.SITE_URL = "https://lk.trichology-clinic.ru"
    settings.CLINIC_NAME = "Трихологическая клиника «Здоровые волосы»"
    Location.objects.filter(pk=location.pk).update(
        name="Клиника трихологии и косметологии на Большой Тверской", phone="+7 (495) 123-45-67 доб. 1234"
    )
    longest = max(Procedure.objects.all(), key=lambda p: len(p.name_ru))
    Procedure.objects.filter(pk__in=[p.pk for p in procedures]).update(name_ru=longest.name_ru, sms_name_ru="")
    with connection.cursor() as cursor:  # ids of seven digits: the link carries the session's id
        cursor.execute("SELECT setval(pg_get_serial_sequence('scheduling_session', 'id'), 3000000)")
    return longest


@pytest.mark.django_db
def test_every_reminder_of_a_twelve_session_course_fits_in_two_parts_with_the_longest_names(
    registrar, clinic, consenting, cryo, location, settings, tmp_path
):
    longest = worst_case(location, [cryo], settings)
    course = book_course(registrar, consenting, cryo, location, count=12)
    last = course.sessions.order_by("-start").first()
    now = last.start - 23 * HOUR
    Dispatch.objects.bulk_create(
        Dispatch(session=s, kind=kind, channel="sms", sequence=s.sequence, due_at=now, not_before=now)
        for s in course.sessions.all()
        for kind in ("before_24h", "before_2h")
    )
    # Sent as if each were due: the texts are what matters here, so the clock is set for each session.
    texts = []
    for session in course.sessions.order_by("start"):
        dispatches = list(Dispatch.objects.filter(session=session))
        texts += [line["text"] for line in sent_sms(settings, tmp_path, dispatches, session.start - 23 * HOUR)]
    assert len(texts) == 24
    assert any("сеанс 12 из 12" in text for text in texts)
    for text in texts:
        assert sms.parts(text) <= 2, (sms.parts(text), len(text), text)
        assert "https://lk.trichology-clinic.ru/s/" in text and text.endswith("/")  # the link is never cut
    assert longest.name_ru not in texts[-1]  # it had to be shortened, and was


@pytest.mark.django_db
@pytest.mark.parametrize("slug, name", [("cryomassage-contact", "Криомассаж"), ("cryomassage-aero", "Аэрокриомассаж")])
def test_a_reminder_with_the_seeded_names_keeps_them_whole(
    slug, name, registrar, clinic, consenting, cryo, location, settings
):
    """The seeded SMS names, the clinic's name, a site address of 24 characters, ids of seven digits."""
    settings.SITE_URL = "https://clinic-tricho.ru"
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('scheduling_session', 'id'), 3000000)")
    course = book_course(registrar, consenting, cryo, location, count=12)
    type(course).objects.filter(pk=course.pk).update(procedure=Procedure.objects.get(slug=slug))
    session = course.sessions.order_by("-start").first()
    dispatch = Dispatch.objects.create(
        session=session,
        kind="before_24h",
        channel="sms",
        sequence=session.sequence,
        due_at=timezone.now(),
        not_before=timezone.now(),
    )
    text = reminders.compose_sms(Dispatch.objects.get(pk=dispatch.pk))
    local = timezone.localtime(session.start, location.tz)
    assert text.startswith(f"Клиника «Трихо»: {name} {local:%d.%m %H:%M}, сеанс 12 из 12. Подтвердить/отменить: ")
    assert sms.parts(text) <= 2, (len(text), text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug", ["cryomassage-contact", "cryomassage-aero", "plasmolifting", "cryotherapy-post-procedure"]
)
def test_the_aftercare_sms_carries_the_advice_in_two_parts_at_most(
    slug, registrar, clinic, consenting, cryo, location, settings, tmp_path
):
    Location.objects.filter(pk=location.pk).update(phone="+7 (495) 123-45-67")
    course = book_course(registrar, consenting, cryo, location)
    procedure = Procedure.objects.get(slug=slug)
    type(course).objects.filter(pk=course.pk).update(procedure=procedure)  # the aftercare reads only this
    session, now = completed(course)
    [line] = sent_sms(settings, tmp_path, Dispatch.objects.filter(session=session, kind="aftercare"), now)
    text = line["text"]
    assert text == f"Клиника «Трихо»: {procedure.aftercare_sms_ru} +7 (495) 123-45-67"
    assert "email" not in text.lower() and "письм" not in text  # the patient may have only SMS
    assert sms.parts(text) <= 2, (len(text), text)


@pytest.mark.django_db
@pytest.mark.parametrize("advice, phone", [("", "+7 495 123-45-67"), (None, "+7 (495) 123-45-67 доб. 1234")])
def test_without_short_advice_that_fits_the_aftercare_sms_still_names_the_warning_signs(
    advice, phone, registrar, clinic, consenting, cryo, location, settings, tmp_path
):
    """No short advice, or one that would not fit beside a long phone number: the general warning signs."""
    if advice is not None:
        Procedure.objects.filter(pk=cryo.pk).update(aftercare_sms_ru=advice)
    Location.objects.filter(pk=location.pk).update(phone=phone)
    location.refresh_from_db()
    course = book_course(registrar, consenting, cryo, location)
    session, now = completed(course)
    [line] = sent_sms(settings, tmp_path, Dispatch.objects.filter(session=session, kind="aftercare"), now)
    assert "отёк" in line["text"] and location.phone in line["text"] and sms.parts(line["text"]) <= 2


def completed(course):
    """The first session recorded completed an hour after it began; (it, the next hour: not quiet hours)."""
    session = course.sessions.order_by("start").first()
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.COMPLETED, outcome_at=session.start + HOUR)
    reminders.scan(session.start + 2 * HOUR)
    return session, session.start + 2 * HOUR


class FakeSession:
    def __init__(self, pk, sequence):
        self.pk, self.sequence = pk, sequence


def test_a_short_link_names_its_session_and_sequence():
    token = links.session_token(FakeSession(3000001, 4))
    assert len(token) <= 24 and "/" not in token and ":" not in token
    assert links.read_session_link(token) == (3000001, 4)


@pytest.mark.parametrize("change", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "2" + t[1:]])
def test_a_tampered_short_link_is_refused(change):
    token = links.session_token(FakeSession(1000, 2))
    with pytest.raises(signing.BadSignature):
        links.read_session_link(change(token))


def test_a_short_link_expires_after_the_days_the_clinic_set(settings):
    settings.REMINDER_LINK_MAX_AGE_DAYS = 7
    old = links.session_token(FakeSession(1000, 2), now=time.time() - 8 * 24 * 3600)
    with pytest.raises(signing.SignatureExpired):
        links.read_session_link(old)
    fresh = links.session_token(FakeSession(1000, 2), now=time.time() - 6 * 24 * 3600)
    assert links.read_session_link(fresh) == (1000, 2)

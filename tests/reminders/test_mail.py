"""Emails that read like a clinic wrote them: read back from a real SMTP server and parsed."""

import datetime
import email
import re
from email import policy

import pytest
from django.core import mail as outbox
from django.db import connection
from django.utils import timezone, translation

from accounts.models import Location
from core import letters, mail
from patients.models import Patient
from reminders import services as reminders
from reminders.models import Dispatch, DispatchStatus
from scheduling.models import Session, SessionStatus

from ..helpers import SmtpSink
from .conftest import book_course

HOUR = datetime.timedelta(hours=1)
KEY = re.compile(r"^<dispatch-(\d+)\.([0-9a-f]{32})@clinic\.example\.ru>$")


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def part(message, kind: str) -> str:
    """The text of the plain or HTML part, with the wire's CRLF line ends read as newlines."""
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


@pytest.fixture
def course(registrar, clinic, eligible_patient, cryo, location, settings):
    settings.SITE_URL = "https://clinic.example.ru"
    Patient.objects.filter(pk=eligible_patient.pk).update(
        full_name="Иванова Мария Петровна", consent_email=True, email="maria@example.com", preferred_language="ru"
    )
    eligible_patient.refresh_from_db()
    return book_course(registrar, eligible_patient, cryo, location)


def sent_through_smtp(settings, dispatch_ids, now) -> list:
    """Send the dispatches through Django's SMTP backend to a local aiosmtpd; the raw messages it got."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SmtpSink() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        outcomes = reminders.send_batch(dispatch_ids, now)
    assert {o.status for o in outcomes.values()} == {DispatchStatus.SENT}
    return smtp.raw


def reminder_email(course) -> tuple[Dispatch, datetime.datetime]:
    session = course.sessions.order_by("start").first()
    now = session.start - 23 * HOUR
    reminders.scan(now)
    return Dispatch.objects.get(session=session, channel="email", kind="before_24h"), now


def check_reads_like_the_clinic(message, session, settings):
    """Every header and part a patient's mail program shows, as a clinic's letter has them."""
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime.utcoffset() == datetime.timedelta(hours=3)  # the branch's zone (Moscow)
    assert message["From"].addresses[0].display_name == "Клиника «Трихо»"
    assert message["From"].addresses[0].addr_spec == settings.DEFAULT_FROM_EMAIL
    assert message["Reply-To"].addresses[0].addr_spec == settings.CLINIC_EMAIL
    assert "Клиника «Трихо»" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text = part(message, "plain")
    html = part(message, "html")
    assert text.startswith("Здравствуйте, Мария Петровна!\n")
    signature = text.split("\n-- \n", 1)[1]
    assert "Клиника «Трихо»" in signature and session.location.address in signature
    assert session.location.phone in signature
    return text, html


@pytest.mark.django_db
def test_a_reminder_read_back_from_the_smtp_server_reads_like_the_clinic_wrote_it(course, settings):
    dispatch, now = reminder_email(course)
    [raw] = sent_through_smtp(settings, [dispatch.pk], now)
    message = parsed(raw)
    text, html = check_reads_like_the_clinic(message, dispatch.session, settings)
    dispatch.refresh_from_db()
    assert message["Message-ID"] == dispatch.provider_message_id
    assert KEY.match(message["Message-ID"]).groups() == (str(dispatch.pk), dispatch.message_key.hex)
    assert "Криомассаж кожи головы (контактный), сеанс 1 из 10" in text
    assert "Подтвердить или отменить: https://clinic.example.ru/s/" in text
    assert "Чистыми сухими волосами".lower() in text.lower()  # the seeded preparation
    assert 'href="https://clinic.example.ru/s/' in html and "Здравствуйте, Мария Петровна!" in html
    assert message["Subject"].startswith("Напоминание: Криомассаж кожи головы (контактный), ")


@pytest.mark.django_db
def test_the_html_part_escapes_whatever_the_clinic_typed(course, location, settings):
    Location.objects.filter(pk=location.pk).update(name='<script>alert("x")</script> & Co', address="<b>Тверская</b>")
    dispatch, now = reminder_email(course)
    [raw] = sent_through_smtp(settings, [dispatch.pk], now)
    html = part(parsed(raw), "html")
    assert "<script>" not in html and "<b>Тверская" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    text = part(parsed(raw), "plain")
    assert '<script>alert("x")</script> & Co' in text  # the text part is not HTML: nothing to escape


@pytest.mark.django_db
def test_an_email_too_wide_for_8bit_goes_through_django_with_the_same_headers(course, cryo, settings):
    type(cryo).objects.filter(pk=cryo.pk).update(preparation_ru="Не мойте голову накануне сеанса. " * 36)
    dispatch, now = reminder_email(course)
    [raw] = sent_through_smtp(settings, [dispatch.pk], now)
    message = parsed(raw)
    check_reads_like_the_clinic(message, dispatch.session, settings)
    assert message.get_body(("plain",))["Content-Transfer-Encoding"] == "quoted-printable"
    dispatch.refresh_from_db()
    assert message["Message-ID"] == dispatch.provider_message_id and KEY.match(message["Message-ID"])


@pytest.mark.django_db
def test_the_aftercare_email_gives_the_scalp_advice_and_the_warning_signs(course, settings):
    session = course.sessions.order_by("start").first()
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.COMPLETED, outcome_at=timezone.now())
    reminders.scan()
    dispatch = Dispatch.objects.get(session=session, kind="aftercare", channel="email")
    [raw] = sent_through_smtp(settings, [dispatch.pk], timezone.now())
    message = parsed(raw)
    text, html = check_reads_like_the_clinic(message, session, settings)
    assert message["Subject"] == "После сеанса: что делать и на что обратить внимание — Клиника «Трихо»"
    assert "кожу головы" in text and "декоративной косметикой" not in text  # written for the scalp
    assert "сильный отёк" in text and "<br>" in html


@pytest.mark.django_db
def test_a_message_id_never_repeats_after_a_restore_and_never_changes_on_a_retry(course, settings):
    """A restored database hands out an id again: the new row gets a new random key, so its email has
    a new Message-ID; the same row sent again (after a crash) keeps its own."""
    dispatch, now = reminder_email(course)
    [first] = sent_through_smtp(settings, [dispatch.pk], now)
    Dispatch.objects.filter(pk=dispatch.pk).update(status=DispatchStatus.PENDING)  # as if the send was lost
    [again] = sent_through_smtp(settings, [dispatch.pk], now)
    assert parsed(first)["Message-ID"] == parsed(again)["Message-ID"]
    fields = Dispatch.objects.filter(pk=dispatch.pk).values("session_id", "kind", "channel", "sequence")[0]
    Dispatch.objects.filter(pk=dispatch.pk).delete()
    with connection.cursor() as cursor:  # the restore: the same id, made anew (the key by the database)
        cursor.execute(
            "INSERT INTO scheduling_dispatch (id, session_id, kind, channel, sequence, due_at, not_before, status, "
            "attempts, provider_message_id, detail, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending', 0, '', '', %s)",
            [dispatch.pk, *fields.values(), now, now, now],
        )
    [restored] = sent_through_smtp(settings, [dispatch.pk], now)
    assert KEY.match(parsed(restored)["Message-ID"]).group(1) == str(dispatch.pk)
    assert parsed(restored)["Message-ID"] != parsed(first)["Message-ID"]


@pytest.mark.django_db
def test_an_english_patient_gets_the_english_letter(course, settings):
    Patient.objects.filter(pk=course.patient_id).update(full_name="Maria Petrovna Ivanova", preferred_language="en")
    dispatch, now = reminder_email(course)
    [raw] = sent_through_smtp(settings, [dispatch.pk], now)
    message = parsed(raw)
    assert message["From"].addresses[0].display_name == "Tricho Clinic" and "Tricho Clinic" in message["Subject"]
    assert part(message, "plain").startswith("Dear Maria Petrovna,\n")


def test_the_fast_path_and_djangos_write_the_same_letter(settings):
    with translation.override("ru"):
        letter = letters.letter(
            subject="Напоминание: Криомассаж, 24 ноября, 08:30",
            name="Мария Петровна Иванова",
            paragraphs=["Напоминаем о вашем сеансе:"],
            facts=[("Когда", "вторник, 24 ноября 2026, 08:30")],
            notes=[".A line that starts with a dot"],
            action=("Подтвердить или отменить", "https://clinic.example.ru/s/1.1.x.y/"),
        )
    ours = parsed(mail.render(letter, to="maria@example.com", message_id="<dispatch-7.ab@clinic>"))
    django = parsed(
        mail.message(letter, to="maria@example.com", message_id="<dispatch-7.ab@clinic>").message().as_bytes()
    )
    for header in ("Subject", "From", "To", "Reply-To", "Message-ID", "Date", "Auto-Submitted", "MIME-Version"):
        assert str(ours[header]) == str(django[header]).strip(), header  # Django folds a space into long ones
    assert ours.get_content_type() == django.get_content_type() == "multipart/alternative"
    for kind in ("plain", "html"):
        assert part(ours, kind) == part(django, kind), kind
    assert ours["Date"].datetime.utcoffset() == datetime.timedelta(hours=3)  # no location: the clinic's zone
    assert ".A line that starts with a dot" in part(ours, "plain")


def test_line_breaks_in_a_subject_cannot_add_headers():
    letter = letters.letter(subject="Cryo\r\nBcc: everyone@example.com\nX-Evil: 1", name="Maria")
    message = parsed(mail.render(letter, to="maria@example.com", message_id="<m@x>"))
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"].startswith("Cryo Bcc: everyone@example.com X-Evil: 1")


@pytest.mark.parametrize(
    "to, note",
    [
        ("мария@пример.рф", "text"),  # non-ASCII address: Django's path encodes the domain
        ("maria@example.com\r\nBcc: x@example.com", "text"),
        ("Maria <maria@example.com>", "text"),
        ("maria@example.com", "x" * 1200),  # a line too long for 8bit: Django's path uses quoted-printable
    ],
)
def test_anything_unusual_is_left_to_djangos_general_path(to, note):
    letter = letters.letter(subject="Cryo", name="Maria", notes=[note])
    assert mail.render(letter, to=to, message_id="<m@x>") is None


@pytest.mark.parametrize(
    "full_name, called",
    [
        ("Иванова Мария Петровна", "Мария Петровна"),
        ("Мария Петровна Иванова", "Мария Петровна"),
        ("Петров Илья Кузьмич", "Илья Кузьмич"),
        ("Шостакович Дмитрий Дмитриевич", "Дмитрий Дмитриевич"),
        ("Maria Petrovna Ivanova", "Maria Petrovna"),
        ("Кузнецова Наталья", "Кузнецова Наталья"),  # two words cannot tell the name from the surname
        ("  Анна  ", "Анна"),
    ],
)
def test_a_letter_calls_the_patient_by_name_and_patronymic(full_name, called):
    assert letters.form_of_address(full_name) == called


@pytest.mark.django_db
def test_the_portal_sign_in_email_has_the_same_headers_and_signature(patient, settings):
    from django.test import TestCase

    from portal.services import sign_in_links_send

    Patient.objects.filter(pk=patient.pk).update(
        full_name="Иванова Мария Петровна", email="maria@example.org", preferred_language="ru"
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        sign_in_links_send(contact="maria@example.org", ip="198.51.100.1")
    [message] = outbox.outbox
    parsed_message = parsed(message.message().as_bytes())
    assert parsed_message["Auto-Submitted"] == "auto-generated"
    assert parsed_message["From"].addresses[0].display_name == "Клиника «Трихо»"
    assert "Клиника «Трихо»" in message.subject and message.body.startswith("Здравствуйте, Мария Петровна!")
    assert patient.home_location.address in message.body.split("\n-- \n")[1]
    assert re.match(r"^<portal-link-\d+\.[0-9a-f]{32}@127\.0\.0\.1>$", parsed_message["Message-ID"])
    assert message.alternatives[0].mimetype == "text/html"

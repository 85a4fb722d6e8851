"""Notices: a patient hears of every change the clinic made to their plan, once per channel."""

import datetime
import json

import pytest
from django.core import mail
from django.utils import timezone

from core import sms as sms_parts
from patients.models import Patient
from reminders import services as reminders
from reminders.models import Dispatch, DispatchStatus
from reminders.notices import short_when
from scheduling.models import Closure, PlanChange, Session
from scheduling.services import (
    closure_replan,
    closure_replan_preview,
    course_cancel,
    fingerprint,
    session_cancel,
    session_cancel_by_patient,
    session_confirm_by_patient,
    session_move,
    session_replace,
)

from .conftest import book_course

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def consenting(eligible_patient):
    Patient.objects.filter(pk=eligible_patient.pk).update(
        consent_email=True, consent_sms=True, email="maria@example.com", preferred_language="ru"
    )
    eligible_patient.refresh_from_db()
    return eligible_patient


@pytest.fixture
def course(registrar, clinic, consenting, cryo, location):
    return book_course(registrar, consenting, cryo, location)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "core.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def sent_sms(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def daytime(location) -> datetime.datetime:
    """Today at noon where the clinic is: outside quiet hours whatever the machine's clock says."""
    return timezone.localtime(timezone=location.tz).replace(hour=12, minute=0, second=0, microsecond=0)


def notices(**filters):
    return Dispatch.objects.filter(change__isnull=False, **filters).order_by("channel")


def local(moment, location) -> str:
    return timezone.localtime(moment, location.tz).strftime("%H:%M")


@pytest.mark.django_db
def test_a_registrar_move_sends_one_notice_per_channel_with_the_old_and_new_time_once(
    course, registrar, location, sms_file
):
    session = course.sessions.order_by("start").first()
    old_start = session.start
    session_move(actor=registrar, session=session, new_start=old_start + 2 * HOUR)
    for _ in range(2):  # a second scan (or a second beat) adds nothing
        reminders.scan()
    rows = list(notices())
    assert [(d.kind, d.channel, d.status) for d in rows] == [("moved", "email", "pending"), ("moved", "sms", "pending")]
    assert {d.session_id for d in rows} == {session.pk}
    ids = [d.pk for d in rows]
    first = reminders.send_batch(ids, daytime(location))
    second = reminders.send_batch(ids, daytime(location))  # a second worker with the same batch
    assert {o.status for o in first.values()} == {DispatchStatus.SENT} and second == {}
    [message] = mail.outbox
    assert message.to == ["maria@example.com"] and "перенесён" in message.subject
    assert "Было: " in message.body and "Теперь: " in message.body
    assert local(old_start, location) in message.body and local(old_start + 2 * HOUR, location) in message.body
    assert str(session.clinician) in message.body and location.address in message.body
    assert "/s/" in message.body and location.phone in message.body
    [sms] = sent_sms(sms_file)
    assert local(old_start, location) in sms["text"] and local(old_start + 2 * HOUR, location) in sms["text"]
    assert sms_parts.parts(sms["text"]) <= sms_parts.MAX_PARTS


@pytest.mark.django_db
def test_the_reminders_after_a_move_follow_the_new_time(course, registrar):
    session = course.sessions.order_by("start").first()
    session_move(actor=registrar, session=session, new_start=session.start + 2 * HOUR)
    session.refresh_from_db()
    reminders.scan(session.start - 23 * HOUR)
    reminder = Dispatch.objects.get(session=session, kind="before_24h", channel="email")
    assert reminder.sequence == session.sequence and reminder.due_at == session.start - 24 * HOUR


@pytest.mark.django_db
def test_a_closure_replan_of_a_ten_session_course_is_one_notice_listing_the_new_dates(
    course, registrar, location, sms_file
):
    first_day = timezone.localtime(course.sessions.order_by("start").first().start, location.tz).date()
    closure = Closure.objects.create(location=location, starts_on=first_day, ends_on=first_day, reason="Ремонт")
    closure_replan(actor=registrar, closure=closure, expected=fingerprint(closure_replan_preview(closure=closure)))
    [change] = PlanChange.objects.all()
    moved = Session.objects.filter(pk__in=[row["id"] for row in change.sessions]).order_by("start")
    assert change.kind == "replanned" and len(change.sessions) == moved.count() >= 3  # Mon, Wed, Fri shift a day
    reminders.scan()
    assert [(d.kind, d.channel) for d in notices()] == [("replanned", "email"), ("replanned", "sms")]
    reminders.send_batch([d.pk for d in notices()], daytime(location))
    [message] = mail.outbox
    assert "Новые даты:" in message.body and "Причина: Ремонт" in message.body
    with timezone.override(location.tz):
        from django.utils import translation

        with translation.override("ru"):
            dates = [short_when(s.start) for s in moved]
    assert all(f"— {d}" in message.body for d in dates)
    assert message.body.count("\n— ") == moved.count()
    [sms] = sent_sms(sms_file)
    assert dates[0] in sms["text"] and sms_parts.parts(sms["text"]) <= sms_parts.MAX_PARTS


@pytest.mark.django_db
def test_a_twelve_session_replan_fits_two_sms_parts(registrar, clinic, consenting, cryo, location, sms_file):
    course = book_course(registrar, consenting, cryo, location, count=12)
    session = course.sessions.order_by("start").first()
    two_days = datetime.timedelta(days=2)
    session_move(actor=registrar, session=session, new_start=session.start + two_days, shift_following=True)
    [change] = PlanChange.objects.all()
    assert change.kind == "replanned" and len(change.sessions) == 12
    reminders.scan()
    reminders.send_batch([d.pk for d in notices(channel="sms")], daytime(location))
    [sms] = sent_sms(sms_file)
    assert sms_parts.parts(sms["text"]) <= sms_parts.MAX_PARTS and "ещё" in sms["text"], sms["text"]


@pytest.mark.django_db
def test_a_course_cancellation_is_one_notice_with_the_reason_and_what_happens_next(course, registrar, location):
    course_cancel(actor=registrar, course=course, reason="Врач в отпуске")
    reminders.scan()
    assert [(d.kind, d.channel) for d in notices()] == [("course_cancelled", "email"), ("course_cancelled", "sms")]
    reminders.send_batch([d.pk for d in notices()], daytime(location))
    [message] = mail.outbox
    assert "отменён" in message.subject
    assert "Причина: Врач в отпуске" in message.body and "администратор вам позвонит" in message.body
    assert message.body.count("\n— ") == 10 and location.phone in message.body


@pytest.mark.django_db
def test_a_session_cancelled_by_the_clinic_says_why(course, registrar, location):
    session = course.sessions.order_by("start")[2]
    session_cancel(actor=registrar, session=session, reason="Нет азота")
    reminders.scan()
    reminders.send_batch([d.pk for d in notices(channel="email")], daytime(location))
    [message] = mail.outbox
    assert "Нет азота" in message.body and local(session.start, location) in message.subject


@pytest.mark.django_db
def test_what_the_patient_does_themselves_sends_no_notice(course):
    first, second = course.sessions.order_by("start")[:2]
    session_confirm_by_patient(session=first)
    session_cancel_by_patient(session=second)
    reminders.scan()
    assert not PlanChange.objects.exists() and not notices().exists()


@pytest.mark.django_db
def test_a_patient_who_declined_messages_gets_no_notice(course, registrar, consenting):
    Patient.objects.filter(pk=consenting.pk).update(consent_email=False, consent_sms=False)
    session = course.sessions.order_by("start").first()
    session_move(actor=registrar, session=session, new_start=session.start + 2 * HOUR)
    reminders.scan()
    assert PlanChange.objects.count() == 1 and not notices().exists()


@pytest.mark.django_db
def test_a_notice_sms_waits_for_the_end_of_quiet_hours(course, registrar, location, sms_file):
    session = course.sessions.order_by("start").first()
    session_move(actor=registrar, session=session, new_start=session.start + 2 * HOUR)
    reminders.scan()
    sms = notices(channel="sms").get()
    night = daytime(location).replace(hour=23)
    assert reminders.send(sms.pk, now=night).status == "deferred"
    sms.refresh_from_db()
    assert sms.status == DispatchStatus.PENDING and sms.not_before.astimezone(location.tz).time() == datetime.time(9)
    assert sms.pk not in [pk for batch in reminders.enqueue(night + HOUR) for pk in batch]
    assert reminders.send(sms.pk, now=sms.not_before).status == DispatchStatus.SENT
    assert len(sent_sms(sms_file)) == 1


@pytest.mark.django_db
def test_a_notice_is_in_english_for_a_patient_who_reads_english(course, registrar, consenting, location):
    Patient.objects.filter(pk=consenting.pk).update(preferred_language="en")
    session = course.sessions.order_by("start").first()
    session_move(actor=registrar, session=session, new_start=session.start + 2 * HOUR)
    reminders.scan()
    reminders.send_batch([d.pk for d in notices(channel="email")], daytime(location))
    [message] = mail.outbox
    assert "your session is moved to" in message.subject
    assert "Was: " in message.body and "Now: " in message.body and "Confirm or cancel" in message.body


@pytest.mark.django_db
def test_a_notice_superseded_by_a_second_move_is_skipped_and_the_second_is_sent(course, registrar, location):
    session = course.sessions.order_by("start").first()
    start = session.start
    session_move(actor=registrar, session=session, new_start=start + HOUR)
    reminders.scan()
    session.refresh_from_db()
    session_move(actor=registrar, session=session, new_start=start + 3 * HOUR)
    reminders.scan()
    first, second = notices(channel="email").order_by("pk")
    assert reminders.send(first.pk, now=daytime(location)).status == DispatchStatus.SKIPPED
    first.refresh_from_db()
    assert first.detail == reminders.SKIP_CHANGED_AGAIN
    assert reminders.send(second.pk, now=daytime(location)).status == DispatchStatus.SENT
    [message] = mail.outbox
    assert local(start + 3 * HOUR, location) in message.body


@pytest.mark.django_db
def test_a_replacement_session_is_announced(course, registrar, location):
    session = course.sessions.order_by("start").first()
    session_cancel(actor=registrar, session=session, reason="Болезнь")
    new = session_replace(actor=registrar, session=session)
    reminders.scan()
    assert sorted(notices(channel="email").values_list("kind", flat=True)) == ["added", "cancelled"]
    reminders.send_batch([d.pk for d in notices(channel="email", kind="added")], daytime(location))
    [message] = mail.outbox
    assert local(new.start, location) in message.body and "добавлен" in message.subject


@pytest.mark.django_db
def test_a_combined_partner_moved_with_its_session_is_part_of_the_same_notice(
    registrar, consenting, cryo, cryotherapy, location
):
    course = book_course(registrar, consenting, cryo, location, hour=11, combined_procedure=cryotherapy)
    third = course.sessions.order_by("start")[2]
    session_move(actor=registrar, session=third, new_start=third.start + 3 * HOUR)
    [change] = PlanChange.objects.all()
    assert change.kind == "moved" and len(change.sessions) == 2
    reminders.scan()
    assert notices().count() == 2
    reminders.send_batch([d.pk for d in notices(channel="email")], daytime(location))
    [message] = mail.outbox
    assert "тот же визит" in message.body


@pytest.mark.django_db
def test_the_delivery_log_names_a_notice(course, registrar, as_registrar, location):
    session = course.sessions.order_by("start").first()
    session_move(actor=registrar, session=session, new_start=session.start + 2 * HOUR)
    reminders.scan()
    reminders.send_batch([d.pk for d in notices()], daytime(location))
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "notice: session moved" in page


@pytest.mark.django_db
def test_a_notice_of_sessions_already_past_is_skipped(course, registrar):
    session = course.sessions.order_by("start").first()
    session_move(actor=registrar, session=session, new_start=session.start + 2 * HOUR)
    reminders.scan()
    email = notices(channel="email").get()
    assert reminders.send(email.pk, now=session.start + 30 * HOUR).status == DispatchStatus.SKIPPED
    email.refresh_from_db()
    assert email.detail == reminders.SKIP_PASSED and mail.outbox == []


@pytest.mark.django_db
def test_the_scan_reads_notices_in_one_statement_whatever_their_number(course, registrar, django_assert_num_queries):
    for session in course.sessions.order_by("-start")[:3]:
        session_move(actor=registrar, session=session, new_start=session.start + 2 * HOUR)
    offsets = 2  # the clinic's default reminder times: 24 h and 2 h
    # offsets read, one per offset, aftercare, notices, warning reports (to the clinicians), waiting-list offers,
    # review invitations made, their messages
    with django_assert_num_queries(1 + offsets + 1 + 1 + 1 + 1 + 2):
        reminders.scan()
    assert notices().count() == 6

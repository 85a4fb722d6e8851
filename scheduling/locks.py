"""Every lock the scheduler takes lives here.

A booking locks what it touches, nothing more: its patient, and each clinician and each room or
device it could hold, per hour of the sessions' times (two sessions that overlap share an hour).
Two bookings at one location that touch different clinicians, rooms and hours run side by side;
two that could clash wait for each other, so the second reads the first's sessions and never gets
as far as the deferred exclusion checks, where concurrent transactions can deadlock. The keys are
taken in one fixed order (ascending), so bookings never wait for each other in a circle.

Everything else that changes a location's schedule (moves, closures, offers from the waiting list,
a booking that a dewar's forecast may refuse) takes the location's lock exclusively: it waits for
the bookings under way there, and they for it, since each booking holds the location's lock
shared. The exclusion constraints still have the last word.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection

_SCHEDULE_LOCK_SPACE = 4242  # first key of pg_advisory_xact_lock(int, int): this app's namespace


def lock_location_schedule(location_id: int) -> None:
    """Wait for other bookings and changes at this location to commit; released when the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SCHEDULE_LOCK_SPACE, location_id])


_WAITLIST_LOCK_SPACE = 4243  # offers from the waiting list: one slot's offers are made at a time


def lock_waitlist_offers() -> None:
    """Offers are made one freed slot at a time, so the limits per slot and per patient hold."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_WAITLIST_LOCK_SPACE, 0])


# The one-bigint form of pg_advisory_xact_lock is a lock space of its own (apart from the (int, int)
# form above). A key: what (8 bits) | its id (32 bits) | the hour since 2000 (24 bits, ~1,900 years).
_PATIENT, _CLINICIAN, _RESOURCE = 0x31, 0x32, 0x33
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_HOUR = datetime.timedelta(hours=1)


def _key(what: int, pk: int, hour: int = 0) -> int:
    return (what << 56) | ((pk & 0xFFFFFFFF) << 24) | (hour & 0xFFFFFF)


def _hours(start: datetime.datetime, end: datetime.datetime) -> range:
    """Every hour that [start, end) touches: two overlapping times share at least one."""
    first = int((start - _EPOCH) // _HOUR)
    last = int((end - _EPOCH - datetime.timedelta(microseconds=1)) // _HOUR)
    return range(first, max(first, last) + 1)


def booking_lock_keys(
    *, patient_id: int, sessions: Iterable[tuple[int, datetime.datetime, datetime.datetime]]
) -> tuple[list[int], list[int]]:
    """(the keys of the patient and of each clinician's hours, ascending; the hours of all sessions)."""
    keys, hours = {_key(_PATIENT, patient_id)}, set()
    for clinician_id, start, end in sessions:
        for hour in _hours(start, end):
            keys.add(_key(_CLINICIAN, clinician_id, hour))
            hours.add(hour)
    return sorted(keys), sorted(hours)


# One statement: the location's lock first (exclusive where the booking must have the location to
# itself: a dewar the procedures use refuses bookings on the days it runs dry, and its forecast is the
# location's every session), then every key in ascending order: the patient's and the clinicians'
# from Python, and each room's or device's the procedures could use, per hour, found here. An Append
# runs its branches in order and the second is sorted, so the locks are taken in that order. It also
# says whether any of those rooms or devices is a dewar (then the booking asks the nitrogen forecast).
_LOCK_BOOKING_SQL = """
WITH usable AS (
  SELECT r.id, d.refuse_when_dry, d.id IS NOT NULL AS dewar
  FROM scheduling_resource r
  JOIN procedures_procedure_resource_kinds pk ON pk.resourcekind_id = r.kind_id
  LEFT JOIN scheduling_dewar d ON d.resource_id = r.id
  WHERE r.location_id = %(location)s AND r.active AND pk.procedure_id = ANY(%(procedures)s)
), keys AS (
  SELECT unnest(%(keys)s::bigint[]) AS k
  UNION
  SELECT (%(resource)s::bigint << 56) | ((usable.id & 4294967295) << 24) | (h & 16777215)
  FROM usable CROSS JOIN unnest(%(hours)s::bigint[]) AS h
), ordered AS (
  SELECT NULL::bigint AS k, %(whole)s OR EXISTS (SELECT 1 FROM usable WHERE refuse_when_dry) AS whole
  UNION ALL
  (SELECT k, NULL FROM keys ORDER BY k)
)
SELECT count(
  CASE
    WHEN k IS NOT NULL THEN pg_advisory_xact_lock(k)
    WHEN whole THEN pg_advisory_xact_lock(%(space)s, %(location)s)
    ELSE pg_advisory_xact_lock_shared(%(space)s, %(location)s)
  END),
  EXISTS (SELECT 1 FROM usable WHERE dewar)
FROM ordered
"""


def lock_booking(
    *,
    location_id: int,
    patient_id: int,
    procedure_ids: Iterable[int],
    sessions: Iterable[tuple[int | None, datetime.datetime, datetime.datetime]],
) -> bool:
    """A booking's locks, in one statement. A session whose clinician is still to be chosen (None)
    could take any of them: the booking then takes the location's lock exclusively.

    Returns whether a dewar is among the rooms and devices the procedures could use there (read by
    the same statement, so the booking spares the nitrogen check's query when there is none)."""
    sessions = list(sessions)
    whole = any(clinician_id is None for clinician_id, _start, _end in sessions)
    keys, hours = booking_lock_keys(patient_id=patient_id, sessions=[s for s in sessions if s[0] is not None])
    with connection.cursor() as cursor:
        cursor.execute(
            _LOCK_BOOKING_SQL,
            {
                "location": location_id,
                "procedures": list(procedure_ids),
                "keys": keys,
                "hours": hours,
                "resource": _RESOURCE,
                "whole": whole,
                "space": _SCHEDULE_LOCK_SPACE,
            },
        )
        return cursor.fetchone()[1]

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
    *,
    patient_id: int,
    sessions: Iterable[tuple[int, datetime.datetime, datetime.datetime]],
    resource_ids: Iterable[int],
) -> list[int]:
    """The keys of a booking, ascending: its patient; for each (clinician, start, end) the
    clinician's hours, and the same hours of every room or device it could hold."""
    resource_ids = sorted(set(resource_ids))
    keys = {_key(_PATIENT, patient_id)}
    for clinician_id, start, end in sessions:
        for hour in _hours(start, end):
            keys.add(_key(_CLINICIAN, clinician_id, hour))
            keys.update(_key(_RESOURCE, rid, hour) for rid in resource_ids)
    return sorted(keys)


def lock_booking(
    *,
    location_id: int,
    patient_id: int,
    sessions: Iterable[tuple[int, datetime.datetime, datetime.datetime]],
    resource_ids: Iterable[int],
) -> None:
    """A booking's locks, in one statement: the location's, shared; then its keys, ascending.

    A function scan of unnest returns the array's elements in order, so the first row takes the
    location's lock and the rest the keys one after another.
    """
    keys = booking_lock_keys(patient_id=patient_id, sessions=sessions, resource_ids=resource_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(CASE WHEN n = 1 THEN pg_advisory_xact_lock_shared(%s, %s) ELSE pg_advisory_xact_lock(k) END) "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n)",
            [_SCHEDULE_LOCK_SPACE, location_id, [0, *keys]],
        )

"""Every lock the scheduler takes lives here.

Bookings and moves at one location run one at a time: each takes a transaction-scoped advisory
lock on the location before it reads availability. Without it, two bookings that both pass their
checks would meet only in the deferred exclusion checks, where concurrent transactions can
deadlock. The exclusion constraints still have the last word.
"""

from django.db import connection

_SCHEDULE_LOCK_SPACE = 4242  # first key of pg_advisory_xact_lock(int, int): this app's namespace


def lock_location_schedule(location_id: int) -> None:
    """Wait for other bookings at this location to commit; released when the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SCHEDULE_LOCK_SPACE, location_id])


_WAITLIST_LOCK_SPACE = 4243  # offers from the waiting list: one slot's offers are made at a time


def lock_waitlist_offers() -> None:
    """Offers are made one freed slot at a time, so the limits per slot and per patient hold."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_WAITLIST_LOCK_SPACE, 0])

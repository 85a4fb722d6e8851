"""Fixed-window counters in PostgreSQL, for the limits that must hold when Redis is down.

A limit on sign-in links or password-reset emails guards against spam and enumeration: counted
in Redis, it could only fail open (anybody through) or closed (nobody gets a link) while Redis is
away, and a count split between two stores would let a flapping Redis double it. So these count in
the database, in one statement: the window starts with its first hit and a hit after it ends starts
a new one. A hit that starts a new window also sweeps a batch of expired rows (an index scan that
finds few), so the table keeps only live windows.
"""

from __future__ import annotations

from django.db import connection

SWEEP_BATCH = 500

_HIT = """
INSERT INTO core_ratecounter AS c (key, count, expires_at)
VALUES (%s, 1, statement_timestamp() + make_interval(secs => %s))
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c.expires_at <= statement_timestamp() THEN 1 ELSE c.count + 1 END,
    expires_at = CASE WHEN c.expires_at <= statement_timestamp() THEN EXCLUDED.expires_at ELSE c.expires_at END
RETURNING count
"""
_SWEEP = """
DELETE FROM core_ratecounter WHERE key IN (
    SELECT key FROM core_ratecounter WHERE expires_at <= statement_timestamp() LIMIT %s
)
"""


def count_hit(key: str, seconds: int) -> int:
    """Count one more hit on `key` in its window of `seconds`; return the hits so far in that window."""
    with connection.cursor() as cursor:
        cursor.execute(_HIT, [key, seconds])
        (count,) = cursor.fetchone()
        if count == 1:
            cursor.execute(_SWEEP, [SWEEP_BATCH])
    return count

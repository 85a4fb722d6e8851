"""Fixed-window counters shared by every limiter (sign-in links, password resets).

They count in PostgreSQL (core.ratelimit), so they hold when Redis is down (README: What happens
when ... is down).
"""

from __future__ import annotations

import hashlib

from core.ratelimit import count_hit


def limit_key(kind: str, value: str) -> str:
    """A counter's key; the value (a contact, an address) is kept only as a hash."""
    return f"limit:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def over_limit(key: str, limit: int, seconds: int) -> bool:
    """Count one more hit in the window that starts with the first; True once past `limit`."""
    return count_hit(key, seconds) > limit

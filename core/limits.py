"""Fixed-window counters in Redis, shared by every limiter (sign-in links, password resets)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def limit_key(kind: str, value: str) -> str:
    """A counter's key; the value (a contact, an address) is kept only as a hash."""
    return f"limit:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def over_limit(key: str, limit: int, seconds: int) -> bool:
    """Count one more hit in the window that starts with the first; True once past `limit`."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return False

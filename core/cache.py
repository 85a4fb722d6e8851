"""A Redis cache that degrades: when Redis cannot be reached, reads miss and writes are skipped.

Redis here is a cache (roles, sessions read through `cached_db`) and a broker; PostgreSQL holds
everything that matters. So a cache error must cost speed, never service: every read answers a
miss (the caller then reads the database), every write is skipped, with one logged warning per
outage. Connections time out quickly (OPTIONS `socket_connect_timeout`, `socket_timeout`), and
after a failure the cache is not tried again for `RETRY_SECONDS`, so a dead Redis costs
nothing at all, not a timeout per call.

Two things cannot be faked:

- a counter (`incr`): a limiter that counted nothing would let anybody through, so `incr` raises
  CacheUnavailable, which core.outage answers with 503 and Retry-After;
- a write that was skipped: a key written or deleted during the outage (a session signed out, a
  role taken away) may still hold its old value in a Redis that comes back with its data. Such
  keys are remembered and deleted the first time Redis answers again, before anything is read.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

MAX_PENDING = 10_000  # keys to forget once Redis is back; past this, the oldest are let go (logged)


class CacheUnavailable(Exception):
    """Redis cannot be reached, and the caller needs an answer a miss cannot give (a counter)."""


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.retry_seconds = float(params.get("RETRY_SECONDS", 2))
        self._down_until = 0.0
        self._pending: dict[tuple[str, int | None], None] = {}  # ordered set of (key, version)
        self._lock = threading.Lock()

    # --- the outage bookkeeping ---

    @property
    def available(self) -> bool:
        """False while a recent failure says Redis is down (no network call is made then)."""
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, exc: Exception) -> None:
        was_up = self.available
        self._down_until = time.monotonic() + self.retry_seconds
        if was_up:
            log.warning(
                "Redis cache unreachable (%s in %s: %s); reading the database instead, trying again in %.0f s",
                type(exc).__name__,
                operation,
                exc,
                self.retry_seconds,
            )

    def _remember(self, keys, version) -> None:
        with self._lock:
            for key in keys:
                self._pending[(key, version)] = None
            while len(self._pending) > MAX_PENDING:
                dropped = next(iter(self._pending))
                del self._pending[dropped]
                log.warning("Redis cache: too many keys to forget after the outage; %s is let go", dropped[0])

    def _forget_pending(self) -> None:
        """Delete the keys written during the outage, now that Redis answers (raises if it does not)."""
        if not self._pending:
            return
        with self._lock:
            pending, self._pending = self._pending, {}
        by_version: dict[int | None, list[str]] = {}
        for key, version in pending:
            by_version.setdefault(version, []).append(key)
        try:
            for version, keys in by_version.items():
                super().delete_many(keys, version=version)
        except UNREACHABLE:
            with self._lock:
                self._pending = {**pending, **self._pending}
            raise
        log.warning("Redis cache reachable again; forgot %d key(s) written during the outage", len(pending))

    def _call(self, operation: str, fallback, *args, writes=(), version=None, **kwargs):
        if not self.available:
            self._remember(writes, version)
            return fallback
        try:
            self._forget_pending()
            return getattr(super(), operation)(*args, version=version, **kwargs)
        except UNREACHABLE as exc:
            self._failed(operation, exc)
            self._remember(writes, version)
            return fallback

    # --- reads: a miss ---

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version=version)

    # --- writes: skipped, and the key forgotten once Redis is back ---

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, writes=[key], version=version, timeout=timeout)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, writes=[key], version=version, timeout=timeout)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, writes=[key], version=version, timeout=timeout)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, writes=list(data), version=version, timeout=timeout)

    def delete(self, key, version=None):
        return self._call("delete", False, key, writes=[key], version=version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._call("delete_many", None, keys, writes=keys, version=version)

    # --- counters: no answer is better than a wrong one ---

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call("incr", missing, key, delta, writes=[key], version=version)
        if value is missing:
            raise CacheUnavailable("Redis cannot be reached: the counter is not available")
        return value

"""Strict readers for environment variables.

django-environ parses values, but it reads an unknown boolean as False and lets a bad
integer raise a bare ValueError. A clinic's server must refuse to start instead, with a
message that names the variable, so every read goes through these helpers.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

_env = environ.Env()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


def _raw(name: str, default=_MISSING) -> str | None:
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        return default
    return value


def env_str(name: str, default=_MISSING) -> str:
    return _raw(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name, None)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"The environment variable {name} must be a boolean (true/false, 1/0, yes/no), got {value!r}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name, None)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"The environment variable {name} must be a whole number, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"The environment variable {name} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name, None)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_db(name: str = "DATABASE_URL") -> dict:
    url = _raw(name)
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a PostgreSQL URL "
            f"(postgres://user@host:5432/name); PostgreSQL is the only supported database."
        )
    try:
        config = _env.db_url_config(url)
    except Exception as exc:  # environ raises several types for malformed URLs
        raise ImproperlyConfigured(f"The environment variable {name} is not a valid URL: {exc}") from None
    # A Unix socket may come percent-encoded as the host or as ?host=/path (libpq's form).
    socket_dir = parse_qs(urlparse(url).query).get("host")
    if socket_dir:
        config["HOST"] = socket_dir[0]
        config.setdefault("OPTIONS", {}).pop("host", None)
    elif config.get("HOST"):
        config["HOST"] = unquote(config["HOST"])
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"The environment variable {name} must name a database.")
    return config


def env_redis(name: str = "REDIS_URL") -> str:
    url = _raw(name)
    if urlparse(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"The environment variable {name} must be a redis:// or rediss:// URL, got {url!r}.")
    return url

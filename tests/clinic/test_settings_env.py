"""A missing or malformed environment variable stops start-up with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/clinic",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_SETTINGS_MODULE": "clinic.settings.production",
}


def _start(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in GOOD}
    env.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_good_settings_start():
    assert _start().returncode == 0


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DJANGO_SECRET_KEY", None, "DJANGO_SECRET_KEY is required"),
        ("DATABASE_URL", None, "DATABASE_URL is required"),
        ("DATABASE_URL", "sqlite:///db.sqlite3", "DATABASE_URL must be a PostgreSQL URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a redis://"),
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be a boolean"),
        ("SESSION_IDLE_MINUTES", "half an hour", "SESSION_IDLE_MINUTES must be a whole number"),
        ("EMAIL_PORT", "0", "EMAIL_PORT must be at least 1"),
    ],
)
def test_a_bad_variable_stops_start_up_naming_it(variable, value, says):
    result = _start(**{variable: value})
    assert result.returncode != 0
    assert says in result.stderr

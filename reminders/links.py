"""The signed link a reminder carries: it names one session at one time (its sequence) and expires."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.net import absolute_url

LINK_SALT = "scheduling.session-link"  # kept from when reminders lived in scheduling: old links stay valid


def session_link(session) -> str:
    token = signing.dumps({"s": session.pk, "q": session.sequence}, salt=LINK_SALT)
    return absolute_url(reverse("session-link", args=[token]))


def read_session_link(token: str) -> tuple[int, int]:
    """(session id, sequence) from a link; BadSignature or SignatureExpired otherwise."""
    data = signing.loads(token, salt=LINK_SALT, max_age=datetime.timedelta(days=settings.REMINDER_LINK_MAX_AGE_DAYS))
    return int(data["s"]), int(data["q"])

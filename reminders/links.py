"""The signed link a reminder carries: it names one session at one time (its sequence) and expires.

A link is short enough for an SMS: `/s/<session>.<sequence>.<hour issued>.<mac>/`, the numbers in
base 36 and the mac the first 60 bits of an HMAC-SHA256 keyed by SECRET_KEY (a token of about 23
characters). 60 bits are far too many to guess over the network, and the page behind the link
only confirms or cancels that one session. Links of the
longer form (Django's `signing.dumps`, sent before) stay valid until they expire.
"""

from __future__ import annotations

import base64
import datetime
import time

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from core.net import absolute_url
from scheduling.services.waitlist import offer_token

LINK_SALT = "scheduling.session-link"  # kept from when reminders lived in scheduling: old links stay valid
SHORT_SALT = "reminders.session-link.short"
MAC_CHARS = 10  # base64url characters of the HMAC kept: 60 bits


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = digits[digit] + out
        if not number:
            return out


def _mac(payload: str) -> str:
    digest = salted_hmac(SHORT_SALT, payload, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def session_token(session, *, now: float | None = None) -> str:
    hour = int((time.time() if now is None else now) // 3600)
    payload = f"{_base36(session.pk)}.{_base36(session.sequence)}.{_base36(hour)}"
    return f"{payload}.{_mac(payload)}"


def session_link(session) -> str:
    return absolute_url(reverse("session-link", args=[session_token(session)]))


def session_report_link(session) -> str:
    """The aftercare message's link to the form for reporting a problem after this session."""
    return absolute_url(reverse("session-link-report", args=[session_token(session)]))


def read_session_link(token: str) -> tuple[int, int]:
    """(session id, sequence) from a link; BadSignature or SignatureExpired otherwise."""
    max_age = datetime.timedelta(days=settings.REMINDER_LINK_MAX_AGE_DAYS)
    if ":" in token:  # the longer form, sent before the short one
        data = signing.loads(token, salt=LINK_SALT, max_age=max_age)
        return int(data["s"]), int(data["q"])
    pieces = token.split(".")
    if len(pieces) != 4 or not constant_time_compare(pieces[3], _mac(".".join(pieces[:3]))):
        raise signing.BadSignature("the link's signature does not match")
    try:
        session_id, sequence, hour = (int(piece, 36) for piece in pieces[:3])
    except ValueError:
        raise signing.BadSignature("the link is malformed") from None
    if time.time() - hour * 3600 > max_age.total_seconds():  # counted from the start of the hour issued
        raise signing.SignatureExpired("the link has expired")
    return session_id, sequence


def offer_link(offer) -> str:
    """A waiting-list offer's link: the token is the key (single use, it expires with the offer)."""
    return absolute_url(reverse("portal:offer", args=[offer_token(offer)]))


def review_link(invitation) -> str:
    """A review invitation's link: its token (random, one course) opens the form without a sign-in."""
    return absolute_url(reverse("reviews:write-landing", args=[invitation.token.hex]))

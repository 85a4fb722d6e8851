"""API tokens: issue (after the password and, where the user has one, the second factor), use, revoke.

A token is 256 random bits, shown once; only its SHA-256 is stored. It expires after API_TOKEN_DAYS,
and is revoked by its owner, by an administrator, or by any change of its owner's password.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import events
from core.policy import allowed

from .models import ApiToken, User

LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)  # last_used_at is written at most once a minute


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User, name: str = "", request=None) -> tuple[str, ApiToken]:
    """A new token for `user` (already authenticated, second factor included). Returns (key, token)."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(
            user=user,
            name=name.strip()[:100],
            key_hash=key_hash(raw),
            expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS),
        )
        token.full_clean(exclude=["key_hash"])
        token.save()
        events.record(request=request, actor=user, action="create", detail={"api_token": token.pk})
    return raw, token


def token_for_key(raw: str) -> ApiToken | None:
    """The token a key names, with its user, whether or not it has expired; None for an unknown key."""
    if not raw:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash(raw)).first()


def token_touch(token: ApiToken) -> None:
    """Note the use, writing at most once a minute per token."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def tokens_of(user: User):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_revoke(*, actor: User, token_id: int, request=None) -> bool:
    """Revoke one token: its owner may, and so may an administrator. False if there was none to revoke."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or (token.user_id != actor.pk and not allowed(actor, "api_token.revoke_any")):
            return False
        token.delete()
        events.record(
            request=request,
            actor=actor,
            action="update",
            detail={"api_token": token_id, "revoked": True, "owner": token.user_id},
        )
    return True


def tokens_revoke_all(*, user_id: int) -> int:
    """Every token of a user goes (their password changed). Returns how many."""
    deleted, _rows = ApiToken.objects.filter(user_id=user_id).delete()
    return deleted

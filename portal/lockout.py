"""The key django-axes counts sign-in failures under (AXES_USERNAME_CALLABLE): the account, not the spelling.

A patient signs in with a login name, a phone written any way, or an email in any case; every one of
those names the same account, so every failure counts against it: ten spellings of one phone are one
lockout. A contact shared by several patients (a mother and her daughter) counts under its canonical
form; a value that names nobody counts under its canonical form too (E.164, a lower-cased email, or
the login name lower-cased), so an attacker cannot spread guesses over spellings of an unknown one.
"""

from __future__ import annotations

import unicodedata

from accounts.contacts import canonical_contact
from accounts.models import User

from .services import find_patients_by_contact

MEMO = "_lockout_username"


def _typed(request, credentials) -> str:
    if credentials and credentials.get("username") is not None:
        value = credentials["username"]
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username", "") if hasattr(data, "get") else ""
    return unicodedata.normalize("NFKC", str(value or "")).strip()[:254]


def lockout_username(request, credentials=None) -> str:
    """The canonical account username for what was typed (see the module's docstring)."""
    typed = _typed(request, credentials)
    memo = getattr(request, MEMO, None) if request is not None else None
    if memo and memo[0] == typed:
        return memo[1]
    key = _resolve(typed)
    if request is not None:
        setattr(request, MEMO, (typed, key))
    return key


def _resolve(typed: str) -> str:
    if not typed:
        return ""
    account = User.objects.filter(username__iexact=typed).values_list("username", flat=True).first()
    if account is not None:
        return account
    contact = canonical_contact(typed)
    if contact is None:
        return typed.lower()

    patients, _channel = find_patients_by_contact(contact[1])
    usernames = {p.user.username for p in patients if p.user_id}
    return usernames.pop() if len(usernames) == 1 else contact[1]

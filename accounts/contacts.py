"""One canonical form for a phone number or an email address typed by a person.

Every limiter and lockout counts this form, and every lookup matches it, so writing one contact
another way (spaces, a trunk prefix, capitals, an extension) neither dodges a limit nor reaches
anybody new. A value that does not normalise is refused by the caller, never counted apart.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

EMAIL, PHONE = "email", "phone"

# What people write in a phone number; letters (which phonenumbers would read as a keypad), an
# extension, or anything else is not a number we store or text.
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().\-]{5,30}$")


def canonical_email(value: str) -> str | None:
    """The address lower-cased, as lookups match it (case-insensitively); None if it is not one."""
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value.lower()


def canonical_phone(value: str) -> str | None:
    """E.164 (`+79161234567`) for a valid number written with digits and punctuation only; None otherwise."""
    value = (value or "").strip()
    if not _PHONE_CHARACTERS.match(value):
        return None
    try:
        number = phonenumbers.parse(value, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if number.extension or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical_contact(value: str) -> tuple[str, str] | None:
    """(EMAIL or PHONE, canonical form) of a typed contact, or None when it is neither."""
    if "@" in (value or ""):
        email = canonical_email(value)
        return (EMAIL, email) if email else None
    phone = canonical_phone(value)
    return (PHONE, phone) if phone else None

"""Forgiving patient search: any part of the name, or the phone written any way."""

import re

import phonenumbers
from django.db.models import Q

_NON_DIGITS = re.compile(r"\D+")
_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")


def national_digits(raw: str) -> str:
    """'+7 916 123-45-67', '8 (916) 123 45 67' and '9161234567' all give '9161234567'."""
    if raw.strip().startswith("+"):
        try:
            return str(phonenumbers.parse(raw, None).national_number)
        except phonenumbers.NumberParseException:
            pass
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    return digits


def patient_search_filter(query: str) -> Q:
    query = query.strip()
    if not query:
        return Q()
    if _PHONE_LIKE.match(query):
        digits = national_digits(query)
        if len(digits) >= 3:
            return Q(phone_digits__contains=digits)
    condition = Q()
    for word in query.split()[:6]:
        condition &= Q(full_name__icontains=word)
    return condition

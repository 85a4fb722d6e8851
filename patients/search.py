"""Ranked patient search: names that start with what was typed first, then any part of the name; or the phone.

The rule has one home here; the page, the API and the other patient pickers all go through
`patients.selectors.patient_search`. Each tier is served from an index in its own order with the page's
limit, so a common surname (one patient in eight) costs a page of rows, not every match:

1. the name starts with the typed words (`Петр` finds Петрова, `Козлова Ир` finds Козлова Ирина):
   a btree on `SEARCH_KEY` (upper case, ё read as е, byte order), read in order with LIMIT;
2. only if the page is not full: every typed word anywhere in the name, in any order (`Ирина`,
   `Бенч4242`, `Ольга Смирнова`), as forgiving as before, from the trigram index on the same key;
3. a phone written any way: the national digits, the number's start first, then any part of it.
"""

import re
from dataclasses import dataclass

import phonenumbers
from django.db.models import Q, Value
from django.db.models.functions import Collate, Replace, Upper

_NON_DIGITS = re.compile(r"\D+")
_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")
MAX_WORDS = 6
WHOLE_NUMBER = 10  # digits of a Russian national number

# The name as search compares it. Byte order ("C") lets a LIKE 'ПЕТР%' be a range of the btree, read in
# the order the list is shown; the indexes in patients.models are built on exactly this expression.
SEARCH_KEY = Collate(Replace(Upper("full_name"), Value("Ё"), Value("Е")), "C")


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


_TRUNK_PREFIX = re.compile(r"^\s*(?:\+\s*7|[78](?=[\s(\-.]))")


def search_digits(raw: str) -> str:
    """The national digits of what was typed, part of a number too: '8 916 123' and '+7 (916) 12' are
    searched as 916123 and 91612 (a trunk 8 or a country code 7 written apart from the rest is not
    part of the number); a whole number as national_digits reads it."""
    digits = national_digits(raw)
    if len(digits) >= WHOLE_NUMBER:
        return digits
    return _NON_DIGITS.sub("", _TRUNK_PREFIX.sub("", raw, count=1))


def search_text(text: str) -> str:
    """What was typed as SEARCH_KEY holds names: single spaces, upper case, ё as е."""
    return " ".join(text.split()[:MAX_WORDS]).upper().replace("Ё", "Е")


@dataclass(frozen=True)
class Tier:
    """One rank of matches: its condition on top of the ranks before it, and its order (an index's)."""

    condition: Q
    order: tuple[str, ...]


def is_phone_query(query: str) -> bool:
    """Whether the query is read as a phone number (digits and the signs a number is written with)."""
    return bool(_PHONE_LIKE.match(query.strip())) and len(search_digits(query)) >= 3


def search_tiers(query: str) -> list[Tier]:
    """The ranks a query is answered in, best first; each excludes what the ones before it found."""
    by_name = ("search_key", "id")
    if not query.strip():
        return [Tier(Q(), by_name)]
    if is_phone_query(query):
        digits = search_digits(query)
        starts = Q(phone_digits__startswith=digits)
        if len(digits) >= WHOLE_NUMBER:  # a whole number is found by its start; "contains" only costs
            return [Tier(starts, by_name)]
        return [Tier(starts, by_name), Tier(Q(phone_digits__contains=digits) & ~starts, by_name)]
    text = search_text(query)
    starts = Q(search_key__startswith=text)
    anywhere = Q()
    for word in text.split():
        anywhere &= Q(search_key__contains=word)
    return [Tier(starts, by_name), Tier(anywhere & ~starts, by_name)]


def patient_search_filter(query: str) -> Q:
    """Every patient the query finds, whatever the rank (needs `search_key` aliased: see PatientQuerySet)."""
    condition = Q(pk__in=[])
    for tier in search_tiers(query):
        condition |= tier.condition
    return condition

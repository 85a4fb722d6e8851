"""The plausible range of every date and time the app accepts, checked in this one place.

Python's datetime spans years 1-9999 and PostgreSQL's much more; a value near either edge
(year 1 shifted by a time zone, year 9999 plus a day) breaks pages long after it was typed. So
nothing outside a plausible range gets in, by forms, serializers or query parameters alike:

- a date of birth: 1 Jan 1900 to today;
- a clinical record (a screening's or an ice test's time): 1 Jan 2000 to now (five minutes'
  grace for clocks); the database refuses anything outside it too (see the records' CHECKs);
- a booking (a course's first day, a session's start, a move): yesterday to two years ahead;
- a date to look at (calendars, worklists, free slots, eligibility on a day): 1 Jan 2000 to
  five years ahead, so every session booked can be looked at.

The forms and services keep their own, tighter business rules ("not in the past", "at most a
year ahead"); these ranges only keep nonsense out.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
EARLIEST_RECORD = datetime.date(2000, 1, 1)
RECORD_CLOCK_GRACE = datetime.timedelta(minutes=5)
BOOKING_PAST_GRACE = datetime.timedelta(days=1)
BOOKING_AHEAD = datetime.timedelta(days=2 * 365)
BROWSE_AHEAD = datetime.timedelta(days=5 * 365)


def _start_of(day: datetime.date) -> datetime.datetime:
    # Noon UTC is that same date in every time zone the clinics use.
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


@dataclass(frozen=True)
class PlausibleRange:
    """From `earliest()` to `latest()` (aware datetimes, computed when asked), with the messages."""

    name: str
    earliest: Callable[[], datetime.datetime]
    latest: Callable[[], datetime.datetime]
    too_early: str
    too_late: str
    code_early: str = "date_out_of_range"
    code_late: str = "date_out_of_range"

    def bounds(self, value) -> tuple:
        """The bounds as dates for a date, as aware datetimes for a datetime."""
        lo, hi = self.earliest(), self.latest()
        if isinstance(value, datetime.datetime):
            return lo, hi
        return timezone.localdate(lo), timezone.localdate(hi)

    def contains(self, value) -> bool:
        if isinstance(value, datetime.datetime) and timezone.is_naive(value):
            return False
        lo, hi = self.bounds(value)
        return lo <= value <= hi

    def check(self, value) -> None:
        """Raise a ValidationError naming the range when `value` (a date or aware datetime) is outside it."""
        if value is None or self.contains(value):
            return
        lo, hi = self.bounds(value)
        params = {"earliest": _show(lo), "latest": _show(hi)}
        if isinstance(value, datetime.datetime) and timezone.is_naive(value):
            raise ValidationError(self.too_late, code=self.code_late, params=params)
        early = value < lo
        raise ValidationError(
            self.too_early if early else self.too_late,
            code=self.code_early if early else self.code_late,
            params=params,
        )

    __call__ = check  # a range is a validator


def _show(bound) -> str:
    """A bound as a date: the range is in days, its exact minute would only distract."""
    day = timezone.localdate(bound) if isinstance(bound, datetime.datetime) else bound
    return long_date(day)


OUT_OF_RANGE = _("Enter a date from %(earliest)s to %(latest)s.")

BIRTH = PlausibleRange(
    "birth",
    earliest=lambda: _start_of(EARLIEST_BIRTH),
    latest=timezone.now,
    too_early=_("The date of birth is too far in the past."),
    too_late=_("The date of birth cannot be in the future."),
    code_early="date_of_birth_too_old",
    code_late="date_of_birth_in_future",
)
RECORD = PlausibleRange(
    "record",
    earliest=lambda: _start_of(EARLIEST_RECORD),
    latest=lambda: timezone.now() + RECORD_CLOCK_GRACE,
    too_early=_("This is before %(earliest)s: check the date."),
    too_late=_("This cannot be in the future."),
    code_late="in_future",
)
BOOKING = PlausibleRange(
    "booking",
    earliest=lambda: timezone.now() - BOOKING_PAST_GRACE,
    latest=lambda: timezone.now() + BOOKING_AHEAD,
    too_early=OUT_OF_RANGE,
    too_late=OUT_OF_RANGE,
)
BROWSE = PlausibleRange(
    "browse",
    earliest=lambda: _start_of(EARLIEST_RECORD),
    latest=lambda: timezone.now() + BROWSE_AHEAD,
    too_early=OUT_OF_RANGE,
    too_late=OUT_OF_RANGE,
)


class PlausibleDateField(forms.DateField):
    """A form's date field that refuses a date outside `plausible` (a PlausibleRange)."""

    def __init__(self, *, plausible: PlausibleRange, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(plausible)


class PlausibleDateTimeField(forms.DateTimeField):
    def __init__(self, *, plausible: PlausibleRange, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(plausible)


class PlausibleDateSerializerField(serializers.DateField):
    """A serializer's date field that refuses a date outside `plausible` with a 400 naming the range."""

    def __init__(self, *, plausible: PlausibleRange, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(plausible)


class AwareDateTimeField(serializers.DateTimeField):
    """A date and time that must carry its UTC offset ("2026-12-24T10:30:00+11:00" or "...Z").

    A time without one would be read in the server's zone, which is nobody's clinic: it is refused
    (400, code `offset_required`) rather than guessed."""

    default_error_messages = {
        "offset_required": _(
            "Give the time with its UTC offset, for example 2026-12-24T10:30:00+11:00 "
            "(or Z for UTC): a time without one could be read in the wrong time zone."
        ),
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("offset_required")
        return super().enforce_timezone(value)


class PlausibleDateTimeSerializerField(AwareDateTimeField):
    """An API date and time with its UTC offset, in a plausible range."""

    def __init__(self, *, plausible: PlausibleRange, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(plausible)


def query_date(params, name: str, *, plausible: PlausibleRange = BROWSE) -> datetime.date | None:
    """The date in query parameter `name` (YYYY-MM-DD), None when absent; ValidationError when bad."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Enter a valid date (YYYY-MM-DD)."), code="invalid_date") from None
    plausible.check(day)
    return day


# How the app writes a date, in one style everywhere (the README's glossary):
#   long_date   "2 декабря 2026"   "2 December 2026"   in sentences, records, headings
#   short_date  "пн, 7 дек."       "Mon, 7 Dec"        in tables, lists, "Session 3 (...)"
# with ", 10:30" after either when the clock time matters. A datetime is written as given: convert
# it to the location's zone first (the template filters get it in the active zone, as |date does).
# Django's "N" and "b" month abbreviations are nominative ("7 май") and "D" is capitalised ("Пн"):
# these tables hold the forms a Russian reader expects.
RU_MONTHS_SHORT = ("янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек.")
RU_WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
RU_WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


def _russian() -> bool:
    return (get_language() or "ru").startswith("ru")


def _clock(value) -> str:
    return f", {value:%H:%M}" if isinstance(value, datetime.datetime) else ""


def long_date(value, *, weekday: bool = False, time: bool = False) -> str:
    """Write "2 декабря 2026" ("2 December 2026"); weekday: "среда, 2 декабря 2026"; time: "..., 10:30"."""
    if value is None:
        return ""
    text = formats.date_format(value, "j E Y" if _russian() else "j F Y")
    if weekday:
        day = RU_WEEKDAYS[value.weekday()] if _russian() else formats.date_format(value, "l")
        text = f"{day}, {text}"
    return text + (_clock(value) if time else "")


def short_date(value, *, year: bool = False, time: bool = False) -> str:
    """Write "пн, 7 дек." ("Mon, 7 Dec"); year: "пн, 7 дек. 2026"; time: "пн, 7 дек., 10:30"."""
    if value is None:
        return ""
    if _russian():
        text = f"{RU_WEEKDAYS_SHORT[value.weekday()]}, {value.day} {RU_MONTHS_SHORT[value.month - 1]}"
    else:
        text = formats.date_format(value, "D, j M")
    if year:
        text += f" {value.year}"
    return text + (_clock(value) if time else "")


# The zones of Russia and its neighbours by their city, as the desk says them; others by their key.
RU_ZONE_CITIES = {
    "Europe/Kaliningrad": "Калининград",
    "Europe/Moscow": "Москва",
    "Europe/Simferopol": "Симферополь",
    "Europe/Volgograd": "Волгоград",
    "Europe/Kirov": "Киров",
    "Europe/Astrakhan": "Астрахань",
    "Europe/Saratov": "Саратов",
    "Europe/Ulyanovsk": "Ульяновск",
    "Europe/Samara": "Самара",
    "Asia/Yekaterinburg": "Екатеринбург",
    "Asia/Omsk": "Омск",
    "Asia/Novosibirsk": "Новосибирск",
    "Asia/Barnaul": "Барнаул",
    "Asia/Tomsk": "Томск",
    "Asia/Novokuznetsk": "Новокузнецк",
    "Asia/Krasnoyarsk": "Красноярск",
    "Asia/Irkutsk": "Иркутск",
    "Asia/Chita": "Чита",
    "Asia/Yakutsk": "Якутск",
    "Asia/Vladivostok": "Владивосток",
    "Asia/Sakhalin": "Сахалин",
    "Asia/Magadan": "Магадан",
    "Asia/Kamchatka": "Камчатка",
    "Asia/Anadyr": "Анадырь",
    "Europe/Minsk": "Минск",
    "Asia/Almaty": "Алматы",
    "Asia/Tashkent": "Ташкент",
    "Europe/Berlin": "Берлин",
}


def zone_label(tz, *, at=None) -> str:
    """A time zone as staff of several zones read it: "Москва, UTC+03:00" ("Moscow, UTC+03:00");
    a zone without a Russian name by its key ("America/New_York, UTC-05:00")."""
    if tz is None:
        return ""
    moment = (at or timezone.now()).astimezone(tz)
    offset = moment.strftime("%z")
    key = getattr(tz, "key", str(tz))
    if _russian():
        name = RU_ZONE_CITIES.get(key, key)
    else:
        name = key.rsplit("/", 1)[-1].replace("_", " ") if key in RU_ZONE_CITIES else key
    return f"{name}, UTC{offset[:3]}:{offset[3:]}"

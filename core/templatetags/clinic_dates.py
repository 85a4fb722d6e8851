"""Dates in templates in the app's one style (core.dates): {% load clinic_dates %}.

    {{ day|long_date }}               2 декабря 2026
    {{ day|long_date:"weekday" }}     среда, 2 декабря 2026
    {{ moment|long_date:"time" }}     2 декабря 2026, 10:30
    {{ moment|short_date }}           пн, 7 дек.
    {{ moment|short_date:"time" }}    пн, 7 дек., 10:30   ("year", "year,time" too)
    {% time_zone_note location %}    the location's zone, named for staff of several zones

Aware datetimes arrive in the active time zone (expects_localtime), as with Django's |date.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import dates

register = template.Library()


def _flags(arg) -> set[str]:
    return {part.strip() for part in (arg or "").split(",") if part.strip()}


@register.filter(expects_localtime=True, is_safe=False)
def long_date(value, arg=""):
    flags = _flags(arg)
    return dates.long_date(value, weekday="weekday" in flags, time="time" in flags) if value else ""


@register.filter(expects_localtime=True, is_safe=False)
def short_date(value, arg=""):
    flags = _flags(arg)
    return dates.short_date(value, year="year" in flags, time="time" in flags) if value else ""


@register.simple_tag
def time_zone_note(location):
    """ "Times: Europe/Moscow, UTC+03:00" in small print, for pages staff of several zones read."""
    tz = getattr(location, "tz", None)
    if tz is None:
        return ""
    return format_html(
        '<span class="time-zone-note small text-body-secondary">{}</span>',
        _("Times: %(zone)s") % {"zone": dates.zone_label(tz)},
    )

"""A patient's sessions as an RFC 5545 calendar (icalendar).

Each session keeps one UID for life, so a calendar app updates the event instead of adding a
second one; SEQUENCE is the session's own counter, raised by every move or cancellation;
a cancelled session stays in the file with STATUS:CANCELLED so that apps remove it. Times are
in UTC (allowed by RFC 5545 and read alike by Google, Apple and Outlook), the address is the
location's.
"""

from __future__ import annotations

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from core.net import site_host
from scheduling.models import SessionStatus


def session_uid(session) -> str:
    return f"session-{session.pk}@{site_host()}"


def build_calendar(sessions, *, language: str, name: str, numbers: dict[int, tuple[int, int]]) -> bytes:
    """`numbers` maps a session id to (n, of) for "session n of m"."""
    calendar = Calendar()
    calendar.add("prodid", "-//Trichology clinic//Procedure planner//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "UTC")
    stamp = timezone.now()
    with translation.override(language):
        for session in sessions:
            procedure, location = session.course.procedure, session.location
            event = Event()
            event.add("uid", session_uid(session))
            event.add("dtstamp", stamp)
            event.add("last-modified", session.updated_at)
            event.add("sequence", session.sequence)
            event.add("dtstart", session.start.astimezone(datetime.UTC))
            event.add("dtend", session.end.astimezone(datetime.UTC))
            event.add("summary", f"{procedure.name} · {location.name}")
            event.add("location", f"{location.name}, {location.address}")
            n, of = numbers.get(session.pk, (0, 0))
            lines = []
            if n:
                lines.append(_("Session %(n)s of %(of)s") % {"n": n, "of": of})
            lines.append(_("Clinician: %(name)s") % {"name": session.clinician})
            preparation = procedure.preparation
            if preparation and session.status == SessionStatus.SCHEDULED:
                lines.append(_("Before the session: %(text)s") % {"text": preparation})
            lines.append(_("Clinic phone: %(phone)s") % {"phone": location.phone})
            event.add("description", "\n".join(lines))
            event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
            event.add("transp", "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()

"""A patient's sessions as an RFC 5545 calendar (icalendar).

Each session keeps one UID for life, so a calendar app updates the event instead of adding a
second one; SEQUENCE is the session's own counter, raised by every move or cancellation;
a cancelled session stays in the file with STATUS:CANCELLED so that apps remove it. Times are
in UTC (allowed by RFC 5545 and read alike by Google, Apple and Outlook), the address is the
location's; X-WR-TIMEZONE names the location's zone (for apps that show a feed in one zone) when
every session shares one, and is left out otherwise. LAST-MODIFIED is the session's updated_at,
which every service that changes a session sets. The ORGANIZER is the clinic (core.branding).

A missed session (no-show) is neither CONFIRMED (it did not happen) nor CANCELLED (apps would
drop it, and the patient's own record of it with it): it has no STATUS (optional in RFC 5545),
its SUMMARY begins with "No-show", and it is TRANSPARENT (it no longer holds the time).
"""

from __future__ import annotations

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from core.branding import clinic
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
    zones = {session.location.time_zone for session in sessions}
    if len(zones) == 1:
        calendar.add("x-wr-timezone", zones.pop())
    stamp = timezone.now()
    with translation.override(language):
        organizer = _organizer()
        for session in sessions:
            procedure, location = session.course.procedure, session.location
            event = Event()
            event.add("uid", session_uid(session))
            event.add("dtstamp", stamp)
            event.add("last-modified", session.updated_at)
            event.add("sequence", session.sequence)
            event.add("dtstart", session.start.astimezone(datetime.UTC))
            event.add("dtend", session.end.astimezone(datetime.UTC))
            summary = f"{procedure.name} · {location.name}"
            if session.status == SessionStatus.NO_SHOW:
                summary = _("No-show: %(summary)s") % {"summary": summary}
            event.add("summary", summary)
            if organizer is not None:
                event.add("organizer", organizer)
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
            status = STATUS.get(session.status)
            if status:
                event.add("status", status)
            event.add("transp", "TRANSPARENT" if session.status == SessionStatus.NO_SHOW else "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()


STATUS = {  # a no-show has none: see the module's docstring
    SessionStatus.SCHEDULED: "CONFIRMED",
    SessionStatus.COMPLETED: "CONFIRMED",
    SessionStatus.CANCELLED: "CANCELLED",
}


def _organizer() -> vCalAddress | None:
    """The clinic, in the active language: its e-mail (as a mailto address) and its name (CN)."""
    identity = clinic()
    if not identity.email:
        return None
    organizer = vCalAddress(f"mailto:{identity.email}")
    organizer.params["cn"] = vText(identity.name)
    return organizer

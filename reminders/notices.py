"""Notices of a change the clinic made to a patient's plan: whether one still goes out, and what it says.

A notice is a Dispatch with `change` set (scheduling.PlanChange); it travels the reminders' path
(scan, claim, quiet hours, send, log). Before sending, `attach_sessions` reads the sessions the
batch's notices name in one query (the send lanes do no database work); `why_not` skips a notice
whose every session has changed again since (the later change has its own notice) or has passed;
`email_body` and `compose_sms` write it in the patient's language, times in the location's zone.
A session that changed again since is left out of the list: its own later notice names it.
"""

from __future__ import annotations

import datetime

from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import dates, sms
from core.branding import clinic
from scheduling.models import Session

from .links import session_link
from .reasons import SKIP_CHANGED_AGAIN, SKIP_PASSED


def attach_sessions(dispatches) -> None:
    """Give each notice `rows`: the sessions it names, still as its change left them, with their data."""
    notices = [d for d in dispatches if d.change_id is not None]
    ids = {row["id"] for d in notices for row in d.change.sessions}
    current = Session.objects.select_related("course__procedure", "clinician").in_bulk(ids) if ids else {}
    for dispatch in notices:
        dispatch.rows = [
            (current[row["id"]], _moment(row["old"]), _moment(row["new"]))
            for row in dispatch.change.sessions
            if row["id"] in current and current[row["id"]].sequence == row["seq"]
        ]


def _moment(value: str | None) -> datetime.datetime | None:
    return parse_datetime(value) if value else None


def why_not(dispatch, now: datetime.datetime) -> str:
    """Empty when the notice should still go out; else why it is skipped."""
    rows = dispatch.rows
    if not rows:
        return SKIP_CHANGED_AGAIN
    if all((new or old) <= now for _session, old, new in rows):
        return SKIP_PASSED
    return ""


def short_when(moment: datetime.datetime) -> str:
    """A day and time, short: "пн, 7 дек., 10:00", "Mon, 7 Dec, 10:00" (the active language and zone)."""
    return dates.short_date(timezone.localtime(moment), time=True)


def _long_when(moment: datetime.datetime) -> str:
    return dates.long_date(timezone.localtime(moment), weekday=True, time=True)


def _context(dispatch) -> dict:
    session = dispatch.session
    location = session.location
    return {
        "clinic": clinic().name,
        "procedure": session.course.procedure.name,
        "phone": location.phone,
        "address": f"{location.name}, {location.address}",
        "clinician": str(session.clinician),
        "reason": dispatch.change.reason,
    }


def _in_patient_language(function):
    def wrapper(dispatch):
        session = dispatch.session
        with translation.override(session.patient.preferred_language), timezone.override(session.location.tz):
            return function(dispatch)

    return wrapper


def _date_lines(rows, *, when) -> list[str]:
    """One line per session, "— пн, 7 дек., 10:00"; the procedure named when the list has more than one."""
    several = len({session.course.procedure_id for session, _old, _new in rows}) > 1
    lines = []
    for row in sorted(rows, key=when):
        line = "— " + short_when(when(row))
        if several:
            line += f" ({row[0].course.procedure.name})"
        lines.append(line)
    return lines


def _new(row):
    return row[2]


def _old(row):
    return row[1]


def _moved(c, rows, lead) -> tuple[str, list[str]]:
    session, old, new = lead
    c["when"] = _long_when(new)
    lines = [
        _("%(clinic)s has moved your session.") % c,
        _("Was: %(when)s") % {"when": _long_when(old)},
        _("Now: %(when)s") % {"when": _long_when(new)},
    ]
    for partner, _was, now in rows:
        if partner.pk != session.pk:
            lines.append(
                _("%(procedure)s, the same visit: %(when)s")
                % {"procedure": partner.course.procedure.name, "when": _long_when(now)}
            )
    lines.append(_("Clinician: %(name)s") % {"name": session.clinician})
    return _("%(procedure)s: your session is moved to %(when)s") % c, lines


def _added(c, rows, lead) -> tuple[str, list[str]]:
    session, _was, new = lead
    c["when"] = _long_when(new)
    lines = [
        _("%(clinic)s has added a session to your course, in place of one that did not take place.") % c,
        _("When: %(when)s") % c,
        _("Clinician: %(name)s") % {"name": session.clinician},
    ]
    return _("%(procedure)s: a session added on %(when)s") % c, lines


def _replanned(c, rows, lead) -> tuple[str, list[str]]:
    count = ngettext(
        "%(clinic)s has re-planned your course: %(count)d session has a new date.",
        "%(clinic)s has re-planned your course: %(count)d sessions have new dates.",
        len(rows),
    )
    lines = [count % {**c, "count": len(rows)}, _("New dates:"), *_date_lines(rows, when=_new)]
    return _("%(procedure)s: your sessions have new dates") % c, lines


def _cancelled(c, rows, lead) -> tuple[str, list[str]]:
    c["when"] = _long_when(lead[1])
    lines = [_("%(clinic)s has cancelled your session on %(when)s.") % c]
    if len(rows) > 1:  # with the other half of its combined visit
        lines += _date_lines(rows, when=_old)
    return _("%(procedure)s on %(when)s is cancelled") % c, lines


def _course_cancelled(c, rows, lead) -> tuple[str, list[str]]:
    lines = [
        _("%(clinic)s has cancelled your course of %(procedure)s. These sessions will not take place:") % c,
        *_date_lines(rows, when=_old),
    ]
    return _("Your course of %(procedure)s is cancelled") % c, lines


WRITERS = {
    "moved": _moved,
    "added": _added,
    "replanned": _replanned,
    "cancelled": _cancelled,
    "course_cancelled": _course_cancelled,
}


def _lead(dispatch):
    """The row of the session the notice is filed under, or (if it changed again) the first left."""
    return next((row for row in dispatch.rows if row[0].pk == dispatch.session_id), dispatch.rows[0])


@_in_patient_language
def email_body(dispatch) -> dict:
    """The letter of a notice (reminders.letters.letter): what changed, why, then what to do (or what
    happens next). The greeting, the branch's address and phone and the clinic's name are the letter's."""
    c = _context(dispatch)
    lead = _lead(dispatch)
    subject, lines = WRITERS[dispatch.kind](c, dispatch.rows, lead)
    paragraphs = [lines[0], "\n".join(lines[1:])]
    notes = [_("Reason: %(reason)s") % c] if c["reason"] else []
    if dispatch.kind in ("cancelled", "course_cancelled"):
        notes.append(
            _("What happens next: the administrator will call you to agree a new time.")
            if dispatch.kind == "cancelled"
            else _("What happens next: the administrator will call you to talk over how to go on with the treatment.")
        )
        notes.append(_("You can also call us: %(phone)s") % c)
        action = None
    else:
        paragraphs.append(_("Where: %(address)s") % c)
        action = (_("Confirm or cancel"), session_link(lead[0]))
    return {"subject": subject, "paragraphs": paragraphs, "notes": notes, "action": action}


@_in_patient_language
def compose_sms(dispatch) -> str:
    """The notice in two SMS parts at most: the first dates that fit, then how many more and the phone."""
    c = _context(dispatch)
    rows = dispatch.rows
    lead = _lead(dispatch)
    if dispatch.kind == "moved":
        return _("%(clinic)s: your session is moved from %(old)s to %(new)s. Phone %(phone)s") % {
            **c,
            "old": short_when(lead[1]),
            "new": short_when(lead[2]),
        }
    if dispatch.kind == "added":
        return _("%(clinic)s: a session is added to your course, %(new)s. Phone %(phone)s") % {
            **c,
            "new": short_when(lead[2]),
        }
    if dispatch.kind == "replanned":
        template = _("%(clinic)s: your course has new dates: %(dates)s. Phone %(phone)s")
        moments = sorted(new for _session, _old, new in rows)
    elif dispatch.kind == "cancelled":
        template = _("%(clinic)s: your session %(dates)s is cancelled. We will call you. Phone %(phone)s")
        moments = [lead[1]]
    else:
        template = _("%(clinic)s: your course is cancelled, sessions from %(dates)s. We will call you. Phone %(phone)s")
        moments = sorted(old for _session, old, _new in rows)[:1]
    return _fit(template, c, moments)


def _fit(template: str, context: dict, moments: list[datetime.datetime]) -> str:
    """The template with as many dates as fit in two SMS parts (core.sms), then "and N more"."""
    dates = [short_when(m) for m in moments]
    for shown in range(len(dates), 0, -1):
        listed = "; ".join(dates[:shown])
        rest = len(dates) - shown
        if rest:
            listed += " " + ngettext("and %(n)d more", "and %(n)d more", rest) % {"n": rest}
        text = template % {**context, "dates": listed}
        if sms.parts(text) <= sms.MAX_PARTS:
            return text
    return text

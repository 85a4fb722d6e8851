"""What a reminder and an aftercare message say, in the patient's language and the location's time zone."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from scheduling import progress

from . import notices
from .links import session_link
from .models import Dispatch


def session_number(dispatch: Dispatch) -> tuple[int, int]:
    """(n, of) of the dispatch's session (see scheduling.progress); read with it when annotated."""
    return progress.session_number(dispatch.session, getattr(dispatch, "session_number", None))


def compose(dispatch: Dispatch) -> tuple[str, str]:
    """(subject, body) in the patient's language, times in the location's time zone."""
    if dispatch.is_notice:
        return notices.compose(dispatch)
    session = dispatch.session
    patient, location, procedure = session.patient, session.location, session.course.procedure
    with translation.override(patient.preferred_language), timezone.override(location.tz):
        when = date_format(timezone.localtime(session.start), "l j E Y, H:i")
        if dispatch.kind == "aftercare":
            subject = _("After your session: what to do and what to watch for")
            body = "\n\n".join(
                filter(
                    None,
                    [
                        _("Thank you for coming to %(clinic)s.") % {"clinic": location.name},
                        procedure.aftercare,
                        _("If anything worries you, call us: %(phone)s") % {"phone": location.phone},
                    ],
                )
            )
            return subject, body
        number, total = session_number(dispatch)
        subject = _("Reminder: %(procedure)s on %(when)s") % {"procedure": procedure.name, "when": when}
        lines = [
            _("%(procedure)s, session %(n)d of %(total)d") % {"procedure": procedure.name, "n": number, "total": total},
            _("When: %(when)s") % {"when": when},
            _("Clinician: %(name)s") % {"name": session.clinician},
            _("Where: %(address)s") % {"address": f"{location.name}, {location.address}"},
        ]
        if procedure.preparation:
            lines.append(_("Before the session: %(text)s") % {"text": procedure.preparation})
        lines.append(_("Confirm or cancel: %(link)s") % {"link": session_link(session)})
        lines.append(_("Phone: %(phone)s") % {"phone": location.phone})
        return subject, "\n".join(lines)


def compose_sms(dispatch: Dispatch) -> str:
    if dispatch.is_notice:
        return notices.compose_sms(dispatch)
    session = dispatch.session
    location, procedure = session.location, session.course.procedure
    with translation.override(session.patient.preferred_language), timezone.override(location.tz):
        if dispatch.kind == "aftercare":
            return _(
                "%(clinic)s: after your session, see the care advice in your email or call %(phone)s if "
                "anything worries you."
            ) % {"clinic": location.name, "phone": location.phone}
        number, total = session_number(dispatch)
        return _("%(clinic)s: %(procedure)s %(when)s, session %(n)d of %(total)d. Confirm or cancel: %(link)s") % {
            "clinic": location.name,
            "procedure": procedure.name,
            "n": number,
            "total": total,
            "when": date_format(timezone.localtime(session.start), "j E H:i"),
            "link": session_link(session),
        }

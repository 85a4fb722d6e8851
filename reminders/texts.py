"""What a reminder and an aftercare message say, in the patient's language and the location's time zone.

`compose(dispatch)` is the email of any kind of dispatch (core.letters adds the greeting, the
signature and the headers): each kind has a function in EMAIL_BODIES giving what it says, the
reminders ("before_<n>h") one of their own. `compose_sms(dispatch)` is the SMS, at most two parts
(core.sms.fit shortens the procedure's name, then the clinic's, never the date, link or phone).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import dates, sms
from core.branding import clinic
from core.letters import Letter, letter
from core.net import absolute_url
from scheduling import progress

from . import notices
from .links import offer_link, review_link, session_link, session_report_link
from .models import Dispatch


def session_number(dispatch: Dispatch) -> tuple[int, int]:
    """(n, of) of the dispatch's session (see scheduling.progress); read with it when annotated."""
    return progress.session_number(dispatch.session, getattr(dispatch, "session_number", None))


def compose(dispatch: Dispatch, now=None) -> Letter:
    """The email: subject, text and HTML in the patient's language, times in the location's time zone."""
    session = dispatch.session
    if dispatch.is_report:
        return _report_letter(dispatch, now)
    if dispatch.is_offer:
        return _offer_letter(dispatch, now)
    if dispatch.is_invitation:
        return _invitation_letter(dispatch, now)
    with translation.override(session.patient.preferred_language), timezone.override(session.location.tz):
        body = notices.email_body(dispatch) if dispatch.is_notice else _email_body(dispatch.kind)(dispatch)
        return letter(name=session.patient.full_name, location=session.location, now=now, **body)


def _reminder_email(dispatch: Dispatch) -> dict:
    session = dispatch.session
    location, procedure = session.location, session.course.procedure
    local = timezone.localtime(session.start)
    number, total = session_number(dispatch)
    return {
        "subject": _("Reminder: %(procedure)s on %(when)s")
        % {"procedure": procedure.name, "when": date_format(local, pgettext("email subject", "j E, H:i"))},
        "paragraphs": [_("A reminder of your session:")],
        "facts": [
            (
                _("Procedure"),
                _("%(procedure)s, session %(n)d of %(total)d")
                % {"procedure": procedure.name, "n": number, "total": total},
            ),
            (_("When"), dates.long_date(local, weekday=True, time=True)),
            (_("Clinician"), str(session.clinician)),
            (_("Where"), f"{location.name}, {location.address}"),
        ],
        "notes": [f"{_('Before the session')}:\n{procedure.preparation}" if procedure.preparation else ""],
        "action": (_("Confirm or cancel"), session_link(session)),
    }


def _aftercare_email(dispatch: Dispatch) -> dict:
    session = dispatch.session
    return {
        "subject": _("After your session: what to do and what to watch for"),
        "paragraphs": [_("Thank you for coming. Here is what matters in the days after the session.")],
        "notes": [
            session.course.procedure.aftercare,
            _("If anything worries you, call us: %(phone)s") % {"phone": session.location.phone},
        ],
        # The session's signed link: the form opens without a password, for this session only.
        "action": (_("Report a problem after the session"), session_report_link(session)),
    }


def _report_letter(dispatch: Dispatch, now=None) -> Letter:
    """To the session's clinician, in the clinic's language: a patient reported a problem, urgent or not,
    and the link to the report. Email is not a secure channel: no name, no signs, no words of the
    patient's; the report itself is read signed in (and that read is audited)."""
    session, report = dispatch.session, dispatch.report
    with translation.override(settings.LANGUAGE_CODE), timezone.override(session.location.tz):
        day = dates.long_date(timezone.localtime(session.start))
        urgency = _("Urgent.") if report.urgent else _("Not urgent.")
        return letter(
            subject=(_("Urgent: a patient reported a problem") if report.urgent else _("A patient reported a problem")),
            name=session.clinician.get_full_name(),
            paragraphs=[_("A patient reported a problem after a session on %(day)s.") % {"day": day} + " " + urgency],
            notes=[_("Open the worklist or the report to read it (sign-in needed).")],
            action=(_("Open the report"), absolute_url(reverse("scheduling:warning-report", args=[report.pk]))),
            location=session.location,
            now=now,
        )


# A kind's email: subject, paragraphs, facts, notes, action (see core.letters.letter).
EMAIL_BODIES: dict[str, Callable[[Dispatch], dict]] = {"aftercare": _aftercare_email}


def _email_body(kind: str) -> Callable[[Dispatch], dict]:
    if kind.startswith("before_"):
        return _reminder_email
    return EMAIL_BODIES[kind]


def compose_sms(dispatch: Dispatch) -> str:
    """The SMS, in at most two parts (core.sms.MAX_PARTS)."""
    if dispatch.is_notice:
        return notices.compose_sms(dispatch)
    if dispatch.is_offer:
        return _offer_sms(dispatch)
    if dispatch.is_invitation:
        return _invitation_sms(dispatch)
    session = dispatch.session
    with translation.override(session.patient.preferred_language), timezone.override(session.location.tz):
        if dispatch.kind == "aftercare":
            return _aftercare_sms(session)
        return _reminder_sms(dispatch)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" :")


def _reminder_sms(dispatch: Dispatch) -> str:
    session = dispatch.session
    number, total = session_number(dispatch)
    when = date_format(timezone.localtime(session.start), pgettext("SMS date and time", "j M, H:i"))
    link = session_link(session)

    def render(procedure: str, clinic_name: str) -> str:
        return _one_line(
            _("%(clinic)s: %(procedure)s %(when)s, session %(n)d of %(total)d. Confirm or cancel: %(link)s")
            % {"clinic": clinic_name, "procedure": procedure, "when": when, "n": number, "total": total, "link": link}
        )

    return sms.fit(render, session.course.procedure.sms_name, clinic().name)


def _aftercare_sms(session) -> str:
    """The advice itself (the procedure's short aftercare), never "see the email": the patient may have
    only SMS. Without one, the warning signs in general; the full text is in the email and the portal."""
    advice, phone = session.course.procedure.aftercare_sms, session.location.phone

    def with_advice(clinic_name: str) -> str:
        return _one_line(
            _("%(clinic)s: %(advice)s %(phone)s") % {"clinic": clinic_name, "advice": advice, "phone": phone}
        )

    def general(clinic_name: str) -> str:
        return _one_line(
            _("%(clinic)s: if swelling, itching, red spots or a fever appear after the session, call %(phone)s")
            % {"clinic": clinic_name, "phone": phone}
        )

    if advice and sms.parts(with_advice(clinic().name)) <= sms.MAX_PARTS:
        return with_advice(clinic().name)
    return sms.fit(general, clinic().name)


def _offer_letter(dispatch: Dispatch, now=None) -> Letter:
    """To the waiting patient: a time has freed up; the link shows the course it starts and takes it."""
    offer = dispatch.offer
    entry = offer.entry
    with translation.override(entry.patient.preferred_language), timezone.override(entry.location.tz):
        local = timezone.localtime(offer.start)
        expires = timezone.localtime(offer.expires_at)
        return letter(
            subject=_("A time has freed up: %(procedure)s on %(when)s")
            % {"procedure": entry.procedure.name, "when": date_format(local, pgettext("email subject", "j E, H:i"))},
            name=entry.patient.full_name,
            paragraphs=[_offer_opening(entry)],
            facts=[
                (_("Procedure"), entry.procedure.name),
                (
                    _("Session") if entry.replaces_id else _("First session"),
                    dates.long_date(local, weekday=True, time=True),
                ),
                (_("Clinician"), str(offer.clinician)),
                (_("Where"), f"{entry.location.name}, {entry.location.address}"),
                (_("The offer stands until"), dates.long_date(expires, time=True)),
            ],
            notes=[_("If the time does not suit you, do nothing or decline: you stay on the waiting list.")],
            action=(
                _("See the time and accept") if entry.replaces_id else _("See the course and accept"),
                offer_link(offer),
            ),
            location=entry.location,
            now=now,
        )


def _offer_opening(entry) -> str:
    if entry.replaces_id:  # a course's own replacement (scheduling.services.replacements)
        return _(
            "A time has freed up that can replace the session of your course you cancelled; "
            "the first to accept it gets it."
        )
    return _("You are on our waiting list. A time has freed up; the first to accept it gets it.")


def _offer_sms(dispatch: Dispatch) -> str:
    offer = dispatch.offer
    entry = offer.entry
    with translation.override(entry.patient.preferred_language), timezone.override(entry.location.tz):
        when = date_format(timezone.localtime(offer.start), pgettext("SMS date and time", "j M, H:i"))
        until = date_format(timezone.localtime(offer.expires_at), "H:i")
        link = offer_link(offer)

        def render(procedure: str, clinic_name: str) -> str:
            return _one_line(
                _("%(clinic)s: a time has freed up for %(procedure)s, %(when)s. Accept by %(until)s: %(link)s")
                % {"clinic": clinic_name, "procedure": procedure, "when": when, "until": until, "link": link}
            )

        return sms.fit(render, entry.procedure.sms_name, clinic().name)


def _invitation_letter(dispatch: Dispatch, now=None) -> Letter:
    """To the patient, once: the course is completed; would they rate it? The link opens the form."""
    session, course = dispatch.session, dispatch.invitation.course
    with translation.override(session.patient.preferred_language), timezone.override(session.location.tz):
        procedure = course.procedure.name
        return letter(
            subject=_("How was your course of %(procedure)s?") % {"procedure": procedure},
            name=session.patient.full_name,
            paragraphs=[
                _("Thank you for completing your course of %(procedure)s with us.") % {"procedure": procedure},
                _("Would you rate it from 1 to 5 and say a few words? It takes a minute."),
            ],
            notes=[
                _(
                    "The clinic reads every review before publishing it on its site, signed with the name you "
                    "choose (your first name, never your surname)."
                ),
                _("This is the only time we ask."),
            ],
            action=(_("Rate the course"), review_link(dispatch.invitation)),
            location=session.location,
            now=now,
        )


def _invitation_sms(dispatch: Dispatch) -> str:
    session, course = dispatch.session, dispatch.invitation.course
    with translation.override(session.patient.preferred_language):
        link = review_link(dispatch.invitation)

        def render(procedure: str, clinic_name: str) -> str:
            return _one_line(
                _("%(clinic)s: thank you for the course of %(procedure)s! Rate it from 1 to 5: %(link)s")
                % {"clinic": clinic_name, "procedure": procedure, "link": link}
            )

        return sms.fit(render, course.procedure.sms_name, clinic().name)

"""The portal's rules: one-time links, invitations, calendar feeds and what a patient may do to a session.

Links and feed secrets are 256 random bits; only their SHA-256 is stored. A link is good for one
use within its lifetime; redeeming it is one conditional UPDATE, so two clicks at once sign in once.
Asking for a link answers the same, after the same steps, whether or not the phone or email is known,
and is throttled per contact (its canonical form, accounts.contacts) and per IP, both counted whether
or not the contact is known.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import uuid

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.contacts import EMAIL as CONTACT_EMAIL
from accounts.contacts import canonical_contact
from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from core import letters, mail, sms
from core.branding import clinic
from core.limits import limit_key, over_limit
from core.net import absolute_url
from core.policy import require
from core.roles import Role
from core.sms import get_backend
from patients.models import Patient
from reminders.models import Channel
from scheduling.models import BookingRequest, BookingRequestStatus, Session, SessionStatus, WarningReport
from scheduling.report_selectors import with_resolution
from scheduling.services import can_change_online

from .models import CalendarFeed, LinkPurpose, PortalLink, token_hash

log = logging.getLogger(__name__)

EMAIL, SMS = Channel.EMAIL, Channel.SMS  # where a link is sent: the channels reminders use


class LinkRefused(Exception):
    """A link that cannot be used; `code` says why (invalid, expired, used)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


# ---------------------------------------------------------------- who is asking


MAX_PATIENTS_PER_CONTACT = 5  # a family may share one phone; more than this is not a family


def find_patients_by_contact(value: str) -> tuple[list[Patient], str]:
    """(patients, channel) for a typed email or phone. Several patients may share one (a mother
    and her daughter, say): each gets her own link. Nobody matching, or a value that is not a
    phone or an email (accounts.contacts), gives ([], channel)."""
    contact = canonical_contact(value)
    channel = EMAIL if "@" in (value or "") else SMS
    if contact is None:
        return [], channel
    kind, canonical = contact
    if kind == CONTACT_EMAIL:
        patients = Patient.objects.filter(email__iexact=canonical)
    else:
        patients = Patient.objects.filter(phone=canonical)
    return list(patients.select_related("user").order_by("pk")[:MAX_PATIENTS_PER_CONTACT]), channel


# ---------------------------------------------------------------- links


def portal_user(patient: Patient) -> User:
    """The patient's login, made on first use (no usable password until they set one)."""
    if patient.user_id:
        return patient.user
    user = User(username=f"patient-{patient.pk}", email=patient.email, first_name=patient.full_name[:150])
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=Role.PATIENT))
    Patient.objects.filter(pk=patient.pk).update(user=user)
    patient.user = user
    return user


def _issue(*, patient: Patient, purpose: str, channel: str, lifetime: datetime.timedelta, actor=None, ip=None):
    # 192 random bits (32 characters): beyond guessing for a link that lives minutes and works once,
    # and short enough for the SMS to fit two parts.
    raw = secrets.token_urlsafe(24)
    link = PortalLink.objects.create(
        patient=patient,
        purpose=purpose,
        token_hash=token_hash(raw),
        channel=channel,
        expires_at=timezone.now() + lifetime,
        created_by=actor,
        ip=ip,
    )
    return raw, link


def queue(task_name: str, *args) -> None:
    """Queue one of portal.tasks by its name: the tasks call this module, so it does not import them."""
    # ignore_result: nobody reads one, and the result backend's reconnects would hold the request
    # ~20 s while Redis is down before the publish fails and the caller sends within the request.
    current_app.send_task(task_name, args=args, ignore_result=True)


def link_url(raw: str, purpose: str) -> str:
    name = "portal:link-landing" if purpose == LinkPurpose.SIGN_IN else "portal:welcome-landing"
    return absolute_url(reverse(name, args=[raw]))


def request_sign_in_link(*, contact: str, ip: str | None) -> None:
    """Ask for a one-time link to a phone or email. Says nothing about who is known.

    A known and an unknown contact take the same steps here: normalise, count, queue one task; the
    worker looks the contact up and sends (sign_in_links_send), so the answer takes as long either
    way. Raises ValidationError: code="invalid_contact" for a value that is neither a phone number
    nor an email address, code="throttled" past the limits (counted alike for known and unknown).
    """
    canonical = canonical_contact(contact)
    if canonical is None:
        raise ValidationError(_("Type a phone number or an email address."), code="invalid_contact")
    per_ip = over_limit(limit_key("portal-link-ip", ip or "unknown"), settings.PORTAL_LINKS_PER_IP_PER_HOUR, 3600)
    per_contact = over_limit(
        limit_key("portal-link-contact", canonical[1]),
        settings.PORTAL_LINKS_PER_CONTACT,
        settings.PORTAL_LINK_MINUTES * 60,
    )
    if per_ip or per_contact:
        raise ValidationError(_("Too many requests. Please wait a few minutes and try again."), code="throttled")
    if settings.PORTAL_LINK_DELIVERY == "celery":
        try:
            queue("portal.send_sign_in_links", canonical[1], ip)
            return
        except Exception:  # the broker is down: the patient should still get the link
            log.warning("broker unavailable; looking up a sign-in contact within the request", exc_info=True)
    sign_in_links_send(contact=canonical[1], ip=ip)


def sign_in_links_send(*, contact: str, ip: str | None) -> int:
    """Issue a one-time link to every patient with this contact and hand each to delivery. Returns how many."""
    patients, channel = find_patients_by_contact(contact)
    with transaction.atomic():
        for patient in patients:
            raw, link = _issue(
                patient=patient,
                purpose=LinkPurpose.SIGN_IN,
                channel=channel,
                lifetime=datetime.timedelta(minutes=settings.PORTAL_LINK_MINUTES),
                ip=ip,
            )
            transaction.on_commit(lambda link_id=link.pk, raw=raw: deliver_link(link_id, raw))
    return len(patients)


def invite(*, actor, patient: Patient, channel: str, request=None) -> None:
    """A registrar invites a patient: a link to set a password, by email or SMS."""
    require(actor, "booking.manage")
    if channel == EMAIL and not patient.email:
        raise ValidationError(_("This patient has no email address."), code="no_email")
    if channel not in (EMAIL, SMS):
        raise ValidationError(_("Choose email or SMS."), code="invalid_channel")
    with transaction.atomic():
        portal_user(patient)
        raw, link = _issue(
            patient=patient,
            purpose=LinkPurpose.INVITE,
            channel=channel,
            lifetime=datetime.timedelta(hours=settings.PORTAL_INVITE_HOURS),
            actor=actor,
        )
        audit_record(
            request=request, actor=actor, action=Action.CREATE, patient=patient, detail={"portal_invite": channel}
        )
        transaction.on_commit(lambda: deliver_link(link.pk, raw))


def check_link(raw: str, purpose: str) -> PortalLink:
    """The link a token names, if it can still be used. Raises LinkRefused otherwise. Changes nothing."""
    link = (
        PortalLink.objects.select_related("patient").filter(token_hash=token_hash(raw), purpose=purpose).first()
        if raw
        else None
    )
    if link is None:
        raise LinkRefused("invalid", _("This link is not valid. Ask for a new one."))
    if link.used_at is not None:
        raise LinkRefused("used", _("This link has already been used. Ask for a new one."))
    if link.expires_at <= timezone.now():
        raise LinkRefused("expired", _("This link has expired. Ask for a new one."))
    return link


@transaction.atomic
def redeem_link(raw: str, purpose: str, *, request=None) -> User:
    """Use a link once: mark it used (a conditional UPDATE, so only one caller wins) and return the login."""
    link = check_link(raw, purpose)
    won = PortalLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()).update(
        used_at=timezone.now()
    )
    if not won:
        raise LinkRefused("used", _("This link has already been used. Ask for a new one."))
    user = portal_user(link.patient)
    if not user.is_active:
        raise LinkRefused("invalid", _("This link is not valid. Ask for a new one."))
    return user


def deliver_link(link_id: int, raw: str) -> None:
    """Hand the message to Celery, or send it here when PORTAL_LINK_DELIVERY is "inline"."""
    if settings.PORTAL_LINK_DELIVERY == "celery":
        try:
            queue("portal.send_link", link_id, raw)
            return
        except Exception:  # the broker is down: the patient should still get the link
            log.warning("broker unavailable; sending portal link %s within the request", link_id, exc_info=True)
    try:
        send_link(link_id, raw)
    except Exception:  # the answer must not differ, and the patient can ask again
        log.exception("could not send portal link %s", link_id)


def send_link(link_id: int, raw: str) -> None:
    """Send a link by the channel it was made for, in the patient's language."""
    link = PortalLink.objects.select_related("patient__home_location").get(pk=link_id)
    patient, url = link.patient, link_url(raw, link.purpose)
    with translation.override(patient.preferred_language):
        if link.purpose == LinkPurpose.SIGN_IN:
            text = ngettext(
                "%(name)s, your sign-in link for %(clinic)s, good for %(minutes)s minute and one use: %(url)s",
                "%(name)s, your sign-in link for %(clinic)s, good for %(minutes)s minutes and one use: %(url)s",
                settings.PORTAL_LINK_MINUTES,
            ) % {
                "name": patient.full_name,
                "clinic": patient.home_location.name,
                "minutes": settings.PORTAL_LINK_MINUTES,
                "url": url,
            }
            subject = _("Your sign-in link")
        else:
            text = _("%(clinic)s invites you to its patient portal. Set your password here: %(url)s") % {
                "clinic": patient.home_location.name,
                "url": url,
            }
            subject = _("Your patient portal")
        if link.channel == EMAIL:
            _send_letter(patient, subject, text, f"portal-link-{link.pk}")
        else:
            get_backend().send(to=patient.phone.as_e164, text=_sms_text(link, url), reference=f"portal-link-{link.pk}")


def _sms_text(link, url: str) -> str:
    """The link's SMS in two parts at most (core.sms): the patient's name (a phone may be shared by a
    family) and the clinic's, shortened as needed (the clinic's first), never the link."""
    if link.purpose == LinkPurpose.SIGN_IN:
        minutes = settings.PORTAL_LINK_MINUTES
        template = ngettext(
            "%(clinic)s: %(name)s, your sign-in link, good for %(minutes)s minute, once: %(url)s",
            "%(clinic)s: %(name)s, your sign-in link, good for %(minutes)s minutes, once: %(url)s",
            minutes,
        )
    else:
        minutes, template = 0, _("%(clinic)s: %(name)s, set your patient portal password here: %(url)s")

    def render(clinic_name: str, name: str) -> str:
        text = template % {"clinic": clinic_name, "name": name, "minutes": minutes, "url": url}
        return text.replace(": , ", ": ").removeprefix(": ").removeprefix(", ")

    return sms.fit(render, clinic().name, letters.form_of_address(link.patient.full_name))


def _send_letter(patient: Patient, subject: str, text: str, kind: str) -> None:
    """The link as a letter from the clinic (core.letters): greeting, signature, headers."""
    letter = letters.letter(subject=subject, name=patient.full_name, paragraphs=[text], location=patient.home_location)
    message_id = letters.message_id(kind, uuid.uuid4().hex)
    mail.message(letter, to=patient.email, message_id=message_id).send()


# ---------------------------------------------------------------- calendar feed


def feed_create(*, actor, patient: Patient, request=None) -> str:
    """A new personal feed address; the old one stops working. Returns the secret (shown once)."""
    _require_owner_or_staff(actor, patient)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(patient=patient).delete()
        CalendarFeed.objects.create(patient=patient, secret_hash=token_hash(raw), created_by=actor)
        audit_record(request=request, actor=actor, action=Action.UPDATE, patient=patient, detail={"feed": "created"})
    return raw


def feed_revoke(*, actor, patient: Patient, request=None) -> bool:
    _require_owner_or_staff(actor, patient)
    with transaction.atomic():
        deleted, _rows = CalendarFeed.objects.filter(patient=patient).delete()
        if deleted:
            audit_record(
                request=request, actor=actor, action=Action.UPDATE, patient=patient, detail={"feed": "revoked"}
            )
    return bool(deleted)


def feed_patient(raw: str) -> Patient | None:
    feed = CalendarFeed.objects.select_related("patient").filter(secret_hash=token_hash(raw)).first()
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at > datetime.timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed.patient


def _require_owner_or_staff(actor, patient: Patient) -> None:
    if patient.user_id is not None and actor.pk == patient.user_id:
        return
    require(actor, "booking.manage")


# ---------------------------------------------------------------- the patient's own sessions


def own_patient(user) -> Patient | None:
    """The patient record of the signed-in login, with its home location (one query)."""
    return Patient.objects.select_related("home_location").filter(user=user).first()


def own_session(user, pk) -> Session:
    """The signed-in patient's session `pk`, or Http404: another patient's session is never found."""
    return get_object_or_404(
        Session.objects.select_related("course__procedure", "location", "clinician", "patient"),
        pk=pk,
        patient__user=user,
    )


def ask_to_move(*, session: Session, preferred_time: str, message: str = "") -> BookingRequest:
    """A move request lands in the registrar inbox. Within the notice policy only; once per session."""
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            _("This session is %(status)s and cannot be moved.") % {"status": session.get_status_display()},
            code="not_scheduled",
        )
    if not can_change_online(session):
        raise ValidationError(
            _("It is too late to move this session online. Please call the clinic: %(phone)s")
            % {"phone": session.location.phone},
            code="too_late",
        )
    if BookingRequest.objects.filter(session=session, status=BookingRequestStatus.NEW).exists():
        raise ValidationError(
            _("You have already asked to move this session; the clinic will call you."), code="already_requested"
        )
    patient = session.patient
    request = BookingRequest(
        name=patient.full_name[:120],
        phone=patient.phone.as_e164,
        procedure=session.course.procedure,
        preferred_time=preferred_time.strip(),
        message=message.strip(),
        patient=patient,
        session=session,
    )
    request.full_clean()
    request.save()
    return request


def own_report(user, pk) -> WarningReport:
    """The signed-in patient's warning report `pk`, or Http404: another patient's is never found."""
    return get_object_or_404(with_resolution(WarningReport.objects.all()), pk=pk, patient__user=user)

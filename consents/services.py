"""The only doors through which consents are written: versions of a form, signatures, refusals,
withdrawals, signing codes and links. Evidence is never edited (database triggers say so too).

A simple electronic signature (63-FZ art. 6; here: a one-time code) works like a portal sign-in
link: the code is random, kept only as an HMAC with a per-code salt, short-lived, single use,
tried a few times at most, bound to one patient and one version of one form, and asking for
codes is throttled per patient and per address (core.limits, counted in PostgreSQL).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import secrets
import uuid

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.services import audit_record
from core import letters, mail
from core.limits import limit_key, over_limit
from core.net import absolute_url, client_ip
from core.policy import allowed, require
from core.sms import get_backend

from .models import (
    Consent,
    ConsentTemplate,
    ConsentTemplateVersion,
    Decision,
    Method,
    SigningCode,
    SigningLink,
    Withdrawal,
    text_hash,
)
from .selectors import SIGNED, consent_state, current_version, personal_data_version
from .signature import signature_png, typed_name_matches

log = logging.getLogger(__name__)

EMAIL, SMS = "email", "sms"


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _code_mac(salt: str, raw: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{raw}".encode(), hashlib.sha256).hexdigest()


def _user_agent(request) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300]


# ---------------------------------------------------------------- the forms' texts


@transaction.atomic
def version_publish(
    *, actor, template: ConsentTemplate, text_ru: str, text_en: str, needs_new_signature: bool, change_note: str = ""
) -> ConsentTemplateVersion:
    """A new version of a form's text. Consents signed under older versions keep counting unless it
    asks for a new signature (then they stop counting, and selectors.patients_to_resign lists them)."""
    require(actor, "catalogue.edit")
    template = ConsentTemplate.objects.select_for_update().get(pk=template.pk)
    previous = current_version(template)
    text_ru, text_en = (text_ru or "").strip(), (text_en or "").strip()
    if previous is not None and (previous.text_ru, previous.text_en) == (text_ru, text_en):
        raise ValidationError(_("The text has not changed."), code="unchanged")
    version = ConsentTemplateVersion(
        template=template,
        number=(previous.number + 1) if previous else 1,
        text_ru=text_ru,
        text_en=text_en,
        needs_new_signature=needs_new_signature and previous is not None,
        change_note=(change_note or "").strip()[:300],
        created_by=actor,
    )
    version.full_clean(exclude=["template", "created_by"])
    version.save()
    if version.needs_new_signature:
        ConsentTemplate.objects.filter(pk=template.pk).update(resign_from_version=version.number)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        record=version,
        detail={"template": template.pk, "version": version.number, "needs_new_signature": version.needs_new_signature},
    )
    return version


def _check_shown(template: ConsentTemplate, version_id, shown_hash: str, language: str) -> ConsentTemplateVersion:
    """The version the patient read must still be the current one, and the text the one we would store."""
    version = current_version(template)
    if version is None:
        raise ValidationError(_("This consent form has no text yet."), code="no_text")
    if str(version.pk) != str(version_id) or text_hash(version.text(language)) != shown_hash:
        raise ValidationError(
            _("The text of this form has changed since it was opened. Read the new text and sign again."),
            code="text_changed",
        )
    return version


def _store(*, patient, version, decision, method, language, request, **fields) -> Consent:
    text = version.text(language)
    consent = Consent(
        patient=patient,
        template=version.template,
        version=version,
        decision=decision,
        method=method,
        language=language,
        title=version.title(language),
        text=text,
        text_sha256=text_hash(text),
        signed_at=fields.pop("signed_at", None) or timezone.now(),
        ip=fields.pop("ip", None) or client_ip(request),
        user_agent=_user_agent(request),
        **fields,
    )
    consent.full_clean(exclude=["patient", "template", "version", "witness", "recorded_by", "code", "signature_png"])
    consent.save()
    audit_record(
        request=request,
        actor=fields.get("recorded_by"),
        action=Action.CREATE,
        patient=patient,
        record=consent,
        detail={"template": version.template_id, "version": version.number, "decision": decision, "method": method},
    )
    return consent


# ---------------------------------------------------------------- in the clinic


@transaction.atomic
def consent_record_in_clinic(
    *,
    actor,
    patient,
    template: ConsentTemplate,
    version_id,
    shown_hash: str,
    language: str,
    decision: str,
    signature: str = "",
    typed_name: str = "",
    ticked: bool = False,
    witnessed: bool = False,
    request=None,
) -> Consent:
    """The patient signs (or refuses) on the clinic's tablet; the clinician signed in confirms as witness.

    Drawn (`signature`, a PNG data URL) or typed (`typed_name` and `ticked`)."""
    if not allowed(actor, "consent.witness"):
        raise PermissionDenied(_("Only a clinician may witness a consent."))
    if decision not in Decision.values:
        raise ValidationError(_("Choose to sign or to refuse."), code="invalid_decision")
    version = _check_shown(template, version_id, shown_hash, language)
    typed_name = " ".join((typed_name or "").split())
    errors: dict[str, ValidationError] = {}
    fields = {}
    if signature:
        try:
            fields = {"method": Method.DRAWN, "signature_png": signature_png(signature)}
        except ValidationError as error:
            errors |= error.error_dict
    elif typed_name:
        if not typed_name_matches(typed_name, patient.full_name):
            errors["typed_name"] = ValidationError(
                _("Type the patient's full name as in the record: %(name)s.") % {"name": patient.full_name},
                code="typed_name_mismatch",
            )
        if not ticked:
            errors["ticked"] = ValidationError(
                _("Tick the box to confirm the typed name is your signature."), code="unticked"
            )
        fields = {"method": Method.TYPED, "typed_name": typed_name[:200]}
    else:
        errors["signature"] = ValidationError(
            _("Sign in the box, or type your full name and tick the box."), code="unsigned"
        )
    if not witnessed:
        errors["witnessed"] = ValidationError(_("Confirm that you witnessed the patient's decision."), code="witness")
    if errors:
        raise ValidationError(errors)
    return _store(
        patient=patient,
        version=version,
        decision=decision,
        language=language,
        request=request,
        witness=actor,
        recorded_by=actor,
        **fields,
    )


# ---------------------------------------------------------------- simple electronic signature


def _deliver(task_name: str, object_id: int, raw: str, send) -> None:
    """Queue the message on commit (the raw secret rides in the task only), or send it here."""

    def go():
        if settings.PORTAL_LINK_DELIVERY == "celery":
            try:
                current_app.send_task(task_name, args=(object_id, raw), ignore_result=True)  # see portal.queue
                return
            except Exception:  # the broker is down: the patient should still get it
                log.warning("broker unavailable; sending %s %s within the request", task_name, object_id, exc_info=True)
        try:
            send(object_id, raw)
        except Exception:
            log.exception("could not send %s %s", task_name, object_id)

    transaction.on_commit(go)


def _channel_of(patient, channel: str) -> str:
    if channel == EMAIL and not patient.email:
        raise ValidationError(_("No e-mail address on record: choose SMS."), code="no_email")
    if channel == SMS and not patient.phone:
        raise ValidationError(_("No phone on record: choose e-mail."), code="no_phone")
    if channel not in (EMAIL, SMS):
        raise ValidationError(_("Choose SMS or e-mail."), code="invalid_channel")
    return channel


@transaction.atomic
def code_request(*, patient, template: ConsentTemplate, decision: str, channel: str, request=None) -> SigningCode:
    """Send the patient a one-time code to sign (or refuse) the current version of a form."""
    if decision not in Decision.values:
        raise ValidationError(_("Choose to sign or to refuse."), code="invalid_decision")
    channel = _channel_of(patient, channel)
    version = current_version(template)
    if version is None:
        raise ValidationError(_("This consent form has no text yet."), code="no_text")
    ip = client_ip(request)
    minutes = settings.CONSENT_CODE_MINUTES
    per_patient = over_limit(
        limit_key("consent-code", str(patient.pk)), settings.CONSENT_CODES_PER_PATIENT, minutes * 60
    )
    per_ip = over_limit(
        limit_key("consent-code-ip", ip or "unknown"), settings.CONSENT_CODE_CHECKS_PER_IP_PER_HOUR, 3600
    )
    if per_patient or per_ip:
        raise ValidationError(_("Too many codes asked for. Please wait a few minutes and try again."), code="throttled")
    raw, salt = f"{secrets.randbelow(10**6):06d}", secrets.token_hex(8)
    code = SigningCode.objects.create(
        patient=patient,
        version=version,
        decision=decision,
        code_hash=f"{salt}${_code_mac(salt, raw)}",
        channel=channel,
        expires_at=timezone.now() + datetime.timedelta(minutes=minutes),
        ip=ip,
    )
    _deliver("consents.send_code", code.pk, raw, code_send)
    return code


def code_send(code_id: int, raw: str) -> None:
    code = SigningCode.objects.select_related("patient", "version__template").get(pk=code_id)
    patient = code.patient
    with translation.override(patient.preferred_language):
        values = {"code": raw, "form": code.version.template.title, "minutes": settings.CONSENT_CODE_MINUTES}
        if code.decision == Decision.SIGNED:
            text = ngettext(
                "Code %(code)s signs «%(form)s». Valid %(minutes)s minute. Do not tell anyone.",
                "Code %(code)s signs «%(form)s». Valid %(minutes)s minutes. Do not tell anyone.",
                values["minutes"],
            )
        else:
            text = ngettext(
                "Code %(code)s records your refusal of «%(form)s». Valid %(minutes)s minute.",
                "Code %(code)s records your refusal of «%(form)s». Valid %(minutes)s minutes.",
                values["minutes"],
            )
        text %= values
        if code.channel == EMAIL:
            _send_letter(
                patient,
                subject=_("Your signing code"),
                paragraphs=[text],
                notes=[_("If you did not ask for this code, ignore this letter: nothing is signed without it.")],
                kind="consent-code",
            )
        else:
            get_backend().send(to=patient.phone.as_e164, text=text, reference=f"consent-code-{code.pk}")


def _send_letter(patient, *, subject: str, kind: str, **content) -> None:
    """An email as a letter from the clinic (core.letters): greeting, signature, headers, both parts."""
    letter = letters.letter(subject=subject, name=patient.full_name, location=patient.home_location, **content)
    mail.message(letter, to=patient.email, message_id=letters.message_id(kind, uuid.uuid4().hex)).send()


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError({"code": ValidationError(message, code=code)})


def _count_try(patient, code_id) -> SigningCode:
    """Count one try on the patient's live code (its own statement, kept even when the code is wrong)."""
    counted = SigningCode.objects.filter(
        pk=code_id,
        patient=patient,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        attempts__lt=settings.CONSENT_CODE_ATTEMPTS,
    ).update(attempts=F("attempts") + 1)
    code = SigningCode.objects.filter(pk=code_id, patient=patient).select_related("version__template").first()
    if code is None:
        raise _refused(_("This code is not valid. Ask for a new one."), "invalid_code")
    if not counted:
        if code.used_at is not None:
            raise _refused(_("This code has already been used. Ask for a new one."), "used_code")
        if code.expires_at <= timezone.now():
            raise _refused(_("This code has expired. Ask for a new one."), "expired_code")
        raise _refused(_("Too many wrong codes. Ask for a new one."), "too_many_attempts")
    return code


def code_sign(*, patient, code_id, raw: str, language: str, request=None, link: SigningLink | None = None) -> Consent:
    """Sign (or refuse) with a code the patient received. Wrong codes count; a code signs once."""
    ip = client_ip(request)
    if over_limit(limit_key("consent-check-ip", ip or "unknown"), settings.CONSENT_CODE_CHECKS_PER_IP_PER_HOUR, 3600):
        raise _refused(_("Too many tries. Please wait and try again later."), "throttled")
    code = _count_try(patient, code_id)
    salt, _sep, mac = code.code_hash.partition("$")
    if not hmac.compare_digest(mac, _code_mac(salt, (raw or "").strip())):
        left = settings.CONSENT_CODE_ATTEMPTS - code.attempts
        raise _refused(
            ngettext("Wrong code: %(n)d try left.", "Wrong code: %(n)d tries left.", left) % {"n": left}, "wrong_code"
        )
    with transaction.atomic():
        if current_version(code.version.template) != code.version:
            raise _refused(_("The text of this form has changed. Ask for a new code."), "text_changed")
        if not SigningCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=timezone.now()):
            raise _refused(_("This code has already been used. Ask for a new one."), "used_code")
        if link is not None:
            SigningLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
        user = getattr(request, "user", None)
        return _store(
            patient=patient,
            version=code.version,
            decision=code.decision,
            method=Method.SMS_CODE if code.channel == SMS else Method.EMAIL_CODE,
            language=language,
            request=request,
            code=code,
            recorded_by=user if user is not None and user.is_authenticated else None,
        )


# ---------------------------------------------------------------- links a registrar sends


def signing_link_send(*, actor, patient, template: ConsentTemplate, channel: str, request=None) -> SigningLink:
    """Send the patient a link to read and sign a form at home (with a code, as above)."""
    require(actor, "consent.send")
    channel = _channel_of(patient, channel)
    if current_version(template) is None:
        raise ValidationError(_("This consent form has no text yet."), code="no_text")
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = SigningLink.objects.create(
            patient=patient,
            template=template,
            token_hash=_token_hash(raw),
            channel=channel,
            created_by=actor,
            expires_at=timezone.now() + datetime.timedelta(hours=settings.CONSENT_LINK_HOURS),
        )
        audit_record(
            request=request,
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            record=link,
            detail={"template": template.pk, "channel": channel},
        )
        _deliver("consents.send_link", link.pk, raw, link_send)
    return link


def link_send(link_id: int, raw: str) -> None:
    link = SigningLink.objects.select_related("patient", "template").get(pk=link_id)
    patient = link.patient
    url = absolute_url(reverse("consents:link", args=[raw]))
    with translation.override(patient.preferred_language):
        text = _("%(name)s, please read and sign «%(form)s»: %(url)s") % {
            "name": patient.full_name,
            "form": link.template.title,
            "url": url,
        }
        if link.channel == EMAIL:
            _send_letter(
                patient,
                subject=_("A consent form to sign"),
                paragraphs=[_("Please read and sign «%(form)s».") % {"form": link.template.title}],
                action=(_("Read and sign"), url),
                kind="consent-link",
            )
        else:
            get_backend().send(to=patient.phone.as_e164, text=text, reference=f"consent-link-{link.pk}")


class LinkRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def signing_link_check(raw: str) -> SigningLink:
    link = (
        SigningLink.objects.select_related("patient", "template").filter(token_hash=_token_hash(raw)).first()
        if raw
        else None
    )
    if link is None:
        raise LinkRefused(_("This link is not valid. Ask the clinic for a new one."))
    if link.used_at is not None:
        raise LinkRefused(_("This form has already been signed with this link."))
    if link.expires_at <= timezone.now():
        raise LinkRefused(_("This link has expired. Ask the clinic for a new one."))
    return link


# ---------------------------------------------------------------- withdrawal and registration


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, reason: str = "", request=None) -> Withdrawal:
    """The patient withdraws a signed consent (in the portal, or a clinician records it)."""
    own = consent.patient.user_id is not None and consent.patient.user_id == actor.pk
    if not own and not allowed(actor, "consent.witness"):
        raise PermissionDenied
    consent = Consent.objects.select_for_update().select_related("template", "version").get(pk=consent.pk)
    if consent_state(consent)[0] != SIGNED or Withdrawal.objects.filter(consent=consent).exists():
        raise ValidationError(_("Only a signed consent in force can be withdrawn."), code="not_signed")
    withdrawal = Withdrawal.objects.create(
        consent=consent, at=timezone.now(), by=actor, reason=(reason or "").strip()[:500], ip=client_ip(request)
    )
    audit_record(
        request=request,
        actor=actor,
        action=Action.CREATE,
        patient=consent.patient,
        record=withdrawal,
        detail={"withdrawn": consent.pk},
    )
    return withdrawal


def personal_data_record(
    *, patient, version: ConsentTemplateVersion, method: str, actor=None, at=None, ip=None, request=None
) -> Consent:
    """The personal-data consent given at registration: the website's box, or the staff form's."""
    return _store(
        patient=patient,
        version=version,
        decision=Decision.SIGNED,
        method=method,
        language=translation.get_language() or "ru",
        request=request,
        recorded_by=actor,
        signed_at=at,
        ip=ip,
    )


def registration_consent(*, request, actor, patient, personal_data_consent: bool, **_kwargs) -> Consent | None:
    """The staff registration form's box: the personal-data consent, signed on paper, recorded with
    the version of the text in force (core.events.patient_registered)."""
    version = personal_data_version()
    if not personal_data_consent or version is None:
        return None
    return personal_data_record(
        patient=patient, version=version, method=Method.REGISTRATION, actor=actor, request=request
    )

"""Reading consents: where each patient stands with each form, scoped to who asks."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404

from core.policy import require
from patients.selectors import patients_visible_to

from .models import Consent, ConsentTemplate, ConsentTemplateVersion, Decision, Kind

SIGNED, REFUSED, WITHDRAWN, OUTDATED, MISSING = "signed", "refused", "withdrawn", "outdated", "missing"


def consent_state(consent: Consent | None) -> tuple[str, datetime.datetime | None]:
    """(state, since when) of a patient's latest decision on a form; ("missing", None) without one."""
    if consent is None:
        return MISSING, None
    if consent.decision == Decision.REFUSED:
        return REFUSED, consent.signed_at
    withdrawal = getattr(consent, "withdrawal", None)
    if withdrawal is not None:
        return WITHDRAWN, withdrawal.at
    if consent.version.number < consent.template.resign_from_version:
        return OUTDATED, consent.signed_at
    return SIGNED, consent.signed_at


def _latest(consents) -> dict[tuple[int, int], Consent]:
    """The newest decision per (patient, form) of rows ordered newest first."""
    latest: dict[tuple[int, int], Consent] = {}
    for consent in consents:
        latest.setdefault((consent.patient_id, consent.template_id), consent)
    return latest


def _decisions(patient_ids, **filters):
    return (
        Consent.objects.filter(patient_id__in=patient_ids, **filters)
        .select_related("template", "version", "withdrawal")
        .defer("text", "signature_png")
        .order_by("-signed_at", "-id")
    )


def consent_states_bulk(patient_ids) -> dict[int, dict[int, tuple[str, datetime.datetime]]]:
    """{patient id: {procedure id: (state, since)}} for procedure consents, in one query."""
    out: dict[int, dict[int, tuple[str, datetime.datetime]]] = {}
    for (patient_id, _template), consent in _latest(_decisions(patient_ids, template__kind=Kind.PROCEDURE)).items():
        out.setdefault(patient_id, {})[consent.template.procedure_id] = consent_state(consent)
    return out


@dataclass
class FormStatus:
    template: ConsentTemplate
    state: str
    since: datetime.datetime | None
    consent: Consent | None
    required: str = ""  # the procedure's Requirement, "" for the personal-data form


def patient_form_statuses(patient, *, procedure_ids=None) -> list[FormStatus]:
    """Every form (the personal-data one first), or those of `procedure_ids`, with where the patient stands."""
    last = Case(When(kind=Kind.PUBLICATION, then=Value(1)), default=Value(0), output_field=IntegerField())
    templates = ConsentTemplate.objects.select_related("procedure").order_by(last, "-kind", "title_ru")
    if procedure_ids is not None:
        templates = templates.filter(procedure_id__in=procedure_ids)
    templates = list(templates)
    latest = _latest(_decisions([patient.pk], template__in=templates))
    rows = []
    for template in templates:
        consent = latest.get((patient.pk, template.pk))
        state, since = consent_state(consent)
        required = template.procedure.consent_required if template.procedure_id else ""
        rows.append(FormStatus(template, state, since, consent, required))
    return rows


def _publication_in_force() -> QuerySet[Consent]:
    """Each patient's newest decision on the publication form where it is a signature still in force:
    not refused since, not withdrawn, not under a version that asked for a new signature."""
    newest = (
        Consent.objects.filter(template_id=OuterRef("template_id"), patient_id=OuterRef("patient_id"))
        .order_by("-signed_at", "-id")
        .values("pk")[:1]
    )
    return Consent.objects.filter(
        template__kind=Kind.PUBLICATION,
        decision=Decision.SIGNED,
        withdrawal__isnull=True,
        version__number__gte=F("template__resign_from_version"),
        pk=Subquery(newest),
    )


def publication_consented_patient_ids() -> QuerySet:
    """The ids of patients whose consent to publishing their photos is in force (a subquery to filter on)."""
    return _publication_in_force().values("patient_id")


def publication_consented(patient) -> bool:
    """Whether the patient's consent to publishing their photos on the clinic's site is in force now."""
    return _publication_in_force().filter(patient_id=patient.pk).exists()


def publication_version() -> ConsentTemplateVersion | None:
    """The publication form's current text."""
    return (
        ConsentTemplateVersion.objects.filter(template__kind=Kind.PUBLICATION)
        .select_related("template")
        .order_by("-number")
        .first()
    )


def current_version(template: ConsentTemplate) -> ConsentTemplateVersion | None:
    return template.versions.order_by("-number").first()


def personal_data_version() -> ConsentTemplateVersion | None:
    """The personal-data form's current text (the public request form and the privacy page show it)."""
    return (
        ConsentTemplateVersion.objects.filter(template__kind=Kind.PERSONAL_DATA)
        .select_related("template")
        .order_by("-number")
        .first()
    )


def patients_to_resign(template: ConsentTemplate):
    """Patients whose consent on this form counts no more since a version asked for a new signature."""
    latest = _latest(
        Consent.objects.filter(template=template)
        .select_related("template", "version", "withdrawal", "patient")
        .defer("text", "signature_png")
        .order_by("-signed_at", "-id")
    )
    return [c.patient for c in latest.values() if consent_state(c)[0] == OUTDATED]


def template_get(pk) -> ConsentTemplate:
    try:
        return ConsentTemplate.objects.select_related("procedure").get(pk=pk)
    except (ConsentTemplate.DoesNotExist, ValueError):
        raise Http404 from None


def consent_get_for_staff(user, pk) -> Consent:
    """A consent of a patient the user sees (403 without the role, 404 otherwise)."""
    require(user, "consent.view")
    consent = (
        Consent.objects.select_related("template", "version", "witness", "patient", "withdrawal", "code")
        .filter(pk=pk, patient__in=patients_visible_to(user))
        .first()
    )
    if consent is None:
        raise Http404
    return consent


@dataclass
class Evidence:
    """What proves a signature, beyond the text: for clinicians and administrators only."""

    ip: str | None
    user_agent: str
    text_sha256: str
    text_intact: bool
    signature_sha256: str
    code_channel: str
    code_hash: str
    code_sent_at: datetime.datetime | None
    code_used_at: datetime.datetime | None


def consent_evidence(consent: Consent) -> Evidence:
    image = bytes(consent.signature_png) if consent.signature_png else b""
    code = consent.code
    return Evidence(
        ip=consent.ip,
        user_agent=consent.user_agent,
        text_sha256=consent.text_sha256,
        text_intact=consent.text_intact,
        signature_sha256=hashlib.sha256(image).hexdigest() if image else "",
        code_channel=code.channel if code else "",
        code_hash=code.code_hash if code else "",
        code_sent_at=code.created_at if code else None,
        code_used_at=code.used_at if code else None,
    )


def consent_get_for_patient(patient, pk) -> Consent:
    """The patient's own consent, or 404: another patient's is never found."""
    consent = (
        Consent.objects.select_related("template", "version", "witness", "patient", "withdrawal")
        .filter(pk=pk, patient=patient)
        .first()
    )
    if consent is None:
        raise Http404
    return consent


def version_count(template_ids) -> dict[int, int]:
    return dict(
        ConsentTemplateVersion.objects.filter(template_id__in=template_ids)
        .values("template_id")
        .annotate(n=Max("number"))
        .values_list("template_id", "n")
    )

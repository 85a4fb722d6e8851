"""The only doors through which screenings and ice tests are written. Records are never edited."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from core import dates
from core.policy import allowed

from .models import Contraindication, IceTest, Indication, Procedure, Screening, ScreeningAnswer, Severity
from .rules import screening_outcome


def _require_clinician(actor) -> None:
    if not allowed(actor, "clinical.record"):
        raise PermissionDenied(_("Only a clinician may record screenings and ice tests."))


def _check_moment(moment: datetime.datetime, field: str) -> None:
    """A record's time lies in core.dates.RECORD: not before 2000, not in the future."""
    try:
        dates.RECORD.check(moment)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from None


def _amended_moment(previous, corrected: datetime.datetime | None, field: str) -> datetime.datetime:
    """A correction keeps the record's time unless it corrects it too. A time stored before the
    range was enforced (year 1, say) cannot be kept: the correction must give the right one."""
    if corrected is not None:
        _check_moment(corrected, field)
        return corrected
    if not previous.moment_is_plausible:
        message = _("The time on record is not plausible: give the right one.")
        raise ValidationError({field: ValidationError(message, code="implausible_time")})
    return previous.moment


def _validated_answers(procedures, answers: dict[int, tuple[bool | None, str]]):
    """Every active contraindication of the chosen procedures answered, and nothing else."""
    asked = {c.id: c for c in Contraindication.objects.filter(procedures__in=procedures, active=True).distinct()}
    unanswered = [c.name for cid, c in asked.items() if answers.get(cid, (None, ""))[0] is None]
    if unanswered:
        raise ValidationError(
            _("Answer every contraindication: %(names)s") % {"names": ", ".join(sorted(unanswered))}, code="unanswered"
        )
    foreign = set(answers) - set(asked)
    if foreign:
        raise ValidationError(
            _("Some answers are for contraindications that do not apply to the chosen procedures."),
            code="not_applicable",
        )
    rows = []
    for cid, contraindication in asked.items():
        present, reason = answers[cid]
        reason = (reason or "").strip()
        if reason and not (present and contraindication.severity == Severity.RELATIVE):
            raise ValidationError(
                _("A reason to clear can only be given for a relative contraindication that is present: %(name)s")
                % {"name": contraindication.name},
                code="override_not_allowed",
            )
        rows.append((contraindication, bool(present), reason))
    return rows


def _validated_indications(procedures, indication_ids) -> list[Indication]:
    indications = list(Indication.objects.filter(id__in=indication_ids, procedures__in=procedures).distinct())
    if len(indications) != len(set(indication_ids)):
        raise ValidationError(_("Some indications do not apply to the chosen procedures."), code="not_applicable")
    return indications


def _create_screening(
    *,
    actor,
    patient,
    procedures,
    answers,
    indication_ids,
    complaints,
    scalp_notes,
    fitzpatrick,
    examined_at,
    previous: Screening | None,
    reason: str,
) -> Screening:
    procedures = list(procedures)
    if not procedures:
        raise ValidationError({"procedures": _("Choose at least one procedure.")}, code="required")
    rows = _validated_answers(procedures, answers)
    indications = _validated_indications(procedures, indication_ids)
    screening = Screening(
        patient=patient,
        signed_by=actor,
        signed_at=timezone.now(),
        examined_at=examined_at,
        complaints=complaints,
        scalp_notes=scalp_notes,
        fitzpatrick=fitzpatrick,
        cleared=screening_outcome([(c.severity, present, reason_) for c, present, reason_ in rows]),
        amendment_reason=reason,
    )
    if previous is not None:
        screening.chain, screening.version, screening.amends = previous.chain, previous.version + 1, previous
    screening.full_clean(exclude=["amends", "chain", "version", "patient", "signed_by"])
    screening.save()
    screening.procedures.set(procedures)
    screening.indications.set(indications)
    ScreeningAnswer.objects.bulk_create(
        [
            ScreeningAnswer(screening=screening, contraindication=c, severity=c.severity, present=p, override_reason=r)
            for c, p, r in rows
        ]
    )
    return screening


@transaction.atomic
def screening_sign(
    *,
    actor,
    patient,
    procedures,
    answers,
    indication_ids=(),
    complaints: str = "",
    scalp_notes: str = "",
    fitzpatrick: int,
    examined_at: datetime.datetime | None = None,
    request=None,
) -> Screening:
    """Sign a new screening. `answers` maps contraindication id to (present, override reason)."""
    _require_clinician(actor)
    examined_at = examined_at or timezone.now()
    _check_moment(examined_at, "examined_at")
    screening = _create_screening(
        actor=actor,
        patient=patient,
        procedures=procedures,
        answers=answers,
        indication_ids=indication_ids,
        complaints=complaints,
        scalp_notes=scalp_notes,
        fitzpatrick=fitzpatrick,
        examined_at=examined_at,
        previous=None,
        reason="",
    )
    audit_record(
        request=request,
        actor=actor,
        action=Action.CREATE,
        patient=patient,
        record=screening,
        detail={"cleared": screening.cleared},
    )
    return screening


def _lock_current(model, previous):
    locked = model.objects.select_for_update().get(pk=previous.pk)
    if model.objects.filter(amends=locked).exists():
        raise ValidationError(
            _("This version has already been corrected; amend the newest version."), code="not_current"
        )
    return locked


@transaction.atomic
def screening_amend(
    *,
    actor,
    previous: Screening,
    reason: str,
    procedures,
    answers,
    indication_ids=(),
    complaints: str = "",
    scalp_notes: str = "",
    fitzpatrick: int,
    examined_at: datetime.datetime | None = None,
    request=None,
) -> Screening:
    """Correct a signed screening: a new version with the reason; the old one stays as it was.

    `examined_at` corrects the time as well; without it the new version keeps the old time."""
    _require_clinician(actor)
    if not (reason or "").strip():
        raise ValidationError({"amendment_reason": _("Say why the screening is corrected.")}, code="reason_required")
    previous = _lock_current(Screening, previous)
    examined_at = _amended_moment(previous, examined_at, "examined_at")
    screening = _create_screening(
        actor=actor,
        patient=previous.patient,
        procedures=procedures,
        answers=answers,
        indication_ids=indication_ids,
        complaints=complaints,
        scalp_notes=scalp_notes,
        fitzpatrick=fitzpatrick,
        examined_at=examined_at,
        previous=previous,
        reason=reason.strip(),
    )
    audit_record(
        request=request,
        actor=actor,
        action=Action.AMEND,
        patient=previous.patient,
        record=screening,
        detail={"amends": previous.pk, "cleared": screening.cleared},
    )
    return screening


def _build_ice_test(
    *,
    actor,
    patient,
    performed_at,
    area,
    exposure_seconds,
    discomfort,
    redness,
    itching,
    other_reaction,
    previous: IceTest | None,
    reason: str,
) -> IceTest:
    other_reaction = (other_reaction or "").strip()
    test = IceTest(
        patient=patient,
        signed_by=actor,
        signed_at=timezone.now(),
        performed_at=performed_at,
        area=(area or "").strip(),
        exposure_seconds=exposure_seconds,
        discomfort=discomfort,
        redness=redness,
        itching=itching,
        other_reaction=other_reaction,
        passed=not (discomfort or redness or itching or other_reaction),
        amendment_reason=reason,
    )
    if previous is not None:
        test.chain, test.version, test.amends = previous.chain, previous.version + 1, previous
    test.full_clean(exclude=["amends", "chain", "version", "patient", "signed_by"])
    test.save()
    return test


@transaction.atomic
def ice_test_record(
    *,
    actor,
    patient,
    area: str,
    exposure_seconds: int,
    discomfort: bool = False,
    redness: bool = False,
    itching: bool = False,
    other_reaction: str = "",
    performed_at: datetime.datetime | None = None,
    request=None,
) -> IceTest:
    """Record an ice test; it passes only when nothing was observed."""
    _require_clinician(actor)
    performed_at = performed_at or timezone.now()
    _check_moment(performed_at, "performed_at")
    test = _build_ice_test(
        actor=actor,
        patient=patient,
        performed_at=performed_at,
        area=area,
        exposure_seconds=exposure_seconds,
        discomfort=discomfort,
        redness=redness,
        itching=itching,
        other_reaction=other_reaction,
        previous=None,
        reason="",
    )
    audit_record(
        request=request, actor=actor, action=Action.CREATE, patient=patient, record=test, detail={"passed": test.passed}
    )
    return test


@transaction.atomic
def ice_test_amend(
    *,
    actor,
    previous: IceTest,
    reason: str,
    area: str,
    exposure_seconds: int,
    discomfort: bool = False,
    redness: bool = False,
    itching: bool = False,
    other_reaction: str = "",
    performed_at: datetime.datetime | None = None,
    request=None,
) -> IceTest:
    """Correct an ice test: a new version; `performed_at` corrects the time too (else it is kept)."""
    _require_clinician(actor)
    if not (reason or "").strip():
        raise ValidationError({"amendment_reason": _("Say why the ice test is corrected.")}, code="reason_required")
    previous = _lock_current(IceTest, previous)
    performed_at = _amended_moment(previous, performed_at, "performed_at")
    test = _build_ice_test(
        actor=actor,
        patient=previous.patient,
        performed_at=performed_at,
        area=area,
        exposure_seconds=exposure_seconds,
        discomfort=discomfort,
        redness=redness,
        itching=itching,
        other_reaction=other_reaction,
        previous=previous,
        reason=reason.strip(),
    )
    audit_record(
        request=request,
        actor=actor,
        action=Action.AMEND,
        patient=previous.patient,
        record=test,
        detail={"amends": previous.pk, "passed": test.passed},
    )
    return test


def procedures_by_slugs(slugs) -> list[Procedure]:
    slugs = list(dict.fromkeys(slugs))
    found = list(Procedure.objects.filter(slug__in=slugs))
    if len(found) != len(slugs):
        missing = sorted(set(slugs) - {p.slug for p in found})
        raise ValidationError(
            _("Unknown procedure: %(slugs)s") % {"slugs": ", ".join(missing)}, code="unknown_procedure"
        )
    return found

"""The only doors through which results are written: checks, their signed trichoscopy, their photos.

A trichoscopy is never edited: a correction is a new version of the chain with its reason (as
screenings are, procedures.services). A photo is never deleted: it is withdrawn with a reason, and
only anonymisation (results.data_protection) removes its files. Every write is a clinician's of the
check's location, and leaves an audit row.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locations import user_works_at
from audit.models import Action
from audit.services import audit_record
from core import dates, images
from core.policy import require
from scheduling.models import CourseStatus, SessionStatus

from .models import Check, CheckKind, MeasurementZone, Photo, PhotoZone, Trichoscopy, ZoneMeasurement
from .validation import (
    FIGURES,
    Figures,
    Reading,
    check_moment_problem,
    final_check_possible,
    reading_problems,
    same_reading,
)

# The partial unique constraints of results.Check that say "one of a kind per course".
ONE_OF_A_KIND = {"check_one_of_a_kind_per_course", "check_one_checkpoint_per_session"}
PHOTO_LIMITS = images.Limits(max_bytes=15 * 1024 * 1024, max_pixels=50_000_000, max_side=4000)
THUMBNAIL_SIDE = 400


def _require_recorder(actor, location_id: int) -> None:
    require(actor, "results.record")
    if not user_works_at(actor, location_id):
        raise PermissionDenied(_("Only a clinician of this location may record its results."))


def _check_moment(moment: datetime.datetime) -> None:
    try:
        dates.RECORD.check(moment)
    except ValidationError as error:
        raise ValidationError({"taken_at": error.error_list}) from None


def _kind_problem(course, kind: str, after_session: int | None) -> ValidationError | None:
    """A course has one baseline, one final check and one checkpoint per session number."""
    if kind not in CheckKind.values:
        return ValidationError({"kind": ValidationError(_("Unknown kind of check."), code="kind_unknown")})
    if kind == CheckKind.CHECKPOINT:
        if not after_session or not 1 <= after_session <= course.session_count:
            message = _("A checkpoint follows one of the course's sessions: 1 to %(n)d.") % {"n": course.session_count}
            return ValidationError({"after_session": ValidationError(message, code="after_session_range")})
    if kind == CheckKind.FINAL and not final_check_possible(
        course_cancelled=course.status == CourseStatus.CANCELLED,
        completed_sessions=course.sessions.filter(status=SessionStatus.COMPLETED).count(),
    ):
        message = _("The check after the course comes once at least one of its sessions has taken place.")
        return ValidationError({"kind": ValidationError(message, code="final_too_early")})
    taken = Check.objects.in_force().filter(course=course, kind=kind)
    if kind == CheckKind.CHECKPOINT:
        taken = taken.filter(after_session=after_session)
    if taken.exists():
        messages = {
            CheckKind.BASELINE: _("This course already has its check before the course."),
            CheckKind.CHECKPOINT: _("This course already has its checkpoint after session %(n)s.")
            % {"n": after_session},
            CheckKind.FINAL: _("This course already has its check after the course."),
        }
        return ValidationError(messages[kind], code="check_exists")
    return None


def _check_in_force(check: Check) -> Check:
    """The check's row, locked for the write that follows; a withdrawn check takes nothing new."""
    check = Check.objects.select_for_update().get(pk=check.pk)
    if check.withdrawn_at is not None:
        raise ValidationError(_("This check is withdrawn: it takes no new figures or photos."), code="check_withdrawn")
    return check


def _raise_problems(reading: Reading) -> None:
    zone_codes = set(MeasurementZone.objects.filter(active=True).values_list("code", flat=True))
    problems = reading_problems(reading, zone_codes)
    if problems:
        raise ValidationError(
            {
                where: [ValidationError(message, code=code) for message, code in found]
                for where, found in problems.items()
            }
        )


def _create_trichoscopy(*, actor, check: Check, reading: Reading, previous: Trichoscopy | None, reason: str):
    _raise_problems(reading)
    record = Trichoscopy(
        result_check=check,
        patient_id=check.patient_id,
        signed_by=actor,
        signed_at=timezone.now(),
        method=reading.method,
        device=reading.device.strip(),
        scale=reading.scale,
        grade=reading.grade,
        notes=reading.notes.strip(),
        amendment_reason=reason,
    )
    if previous is not None:
        record.chain, record.version, record.amends = previous.chain, previous.version + 1, previous
    record.full_clean(exclude=["amends", "chain", "version", "patient", "signed_by", "result_check"])
    zones = {z.code: z for z in MeasurementZone.objects.filter(code__in=reading.zones)}
    rows = [
        ZoneMeasurement(trichoscopy=record, zone=zones[code], **{name: getattr(figures, name) for name in FIGURES})
        for code, figures in reading.zones.items()
        if not figures.empty
    ]
    try:
        with transaction.atomic():
            record.save()
            ZoneMeasurement.objects.bulk_create(rows)
    except IntegrityError:
        # The checks above passed, so the version was taken meanwhile (two corrections at once).
        raise ValidationError(
            _("This version has already been corrected; amend the newest version."), code="not_current"
        ) from None
    return record


@transaction.atomic
def check_create(
    *,
    actor,
    course,
    kind: str,
    after_session: int | None = None,
    taken_at: datetime.datetime | None = None,
    reading: Reading | None = None,
    request=None,
) -> Check:
    """Record a check of a course, with its trichoscopy version 1 when `reading` is given (one step)."""
    _require_recorder(actor, course.location_id)
    taken_at = taken_at or timezone.now()
    _check_moment(taken_at)
    after_session = after_session if kind == CheckKind.CHECKPOINT else None
    if problem := _kind_problem(course, kind, after_session):
        raise problem
    # The first session that took place, or whose time has come though its outcome is not yet recorded.
    first_held = (
        course.sessions.filter(
            Q(status=SessionStatus.COMPLETED) | Q(status=SessionStatus.SCHEDULED, start__lte=timezone.now())
        )
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )
    if found := check_moment_problem(kind, taken_at, first_held, course.location.tz):
        raise ValidationError({"taken_at": ValidationError(found[0], code=found[1])})
    check = Check(
        patient_id=course.patient_id,
        course=course,
        location_id=course.location_id,
        kind=kind,
        after_session=after_session,
        taken_at=taken_at,
        created_by=actor,
    )
    # The constraints were said above in plain words (_check_moment, _kind_problem); Django's own
    # validation of them would only repeat the reads. The database has the last word.
    check.full_clean(exclude=["patient", "course", "location", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError as error:
        # The check above passed, so another clinician recorded the same check meanwhile; any other
        # refusal is not that and is not dressed up as it.
        if getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) not in ONE_OF_A_KIND:
            raise
        raise _kind_problem(course, kind, after_session) or ValidationError(
            _("This course already has this check."), code="check_exists"
        ) from None
    record = None
    if reading is not None:
        record = _create_trichoscopy(actor=actor, check=check, reading=reading, previous=None, reason="")
    audit_record(
        request=request,
        actor=actor,
        action=Action.CREATE,
        patient=check.patient_id,
        record=check,
        detail={"kind": kind, "after_session": after_session, "trichoscopy": getattr(record, "pk", None)},
    )
    return check


@transaction.atomic
def trichoscopy_sign(*, actor, check: Check, reading: Reading, request=None) -> Trichoscopy:
    """Add the trichoscopy to a check recorded without one (version 1)."""
    _require_recorder(actor, check.location_id)
    check = _check_in_force(check)
    if Trichoscopy.objects.filter(result_check=check).exists():
        raise ValidationError(
            _("This check already has its trichoscopy: correct it instead."), code="trichoscopy_exists"
        )
    record = _create_trichoscopy(actor=actor, check=check, reading=reading, previous=None, reason="")
    audit_record(request=request, actor=actor, action=Action.CREATE, patient=check.patient_id, record=record, detail={})
    return record


@transaction.atomic
def trichoscopy_amend(*, actor, previous: Trichoscopy, reason: str, reading: Reading, request=None) -> Trichoscopy:
    """Correct a signed trichoscopy: a new version with the reason; the old one stays as it was."""
    check = previous.result_check
    _require_recorder(actor, check.location_id)
    if not (reason or "").strip():
        raise ValidationError(
            {
                "amendment_reason": ValidationError(
                    _("Say why the trichoscopy is corrected."), code="amendment_reason_required"
                )
            }
        )
    _check_in_force(check)
    locked = Trichoscopy.objects.select_for_update().get(pk=previous.pk)
    if Trichoscopy.objects.filter(amends=locked).exists():
        raise ValidationError(
            _("This version has already been corrected; amend the newest version."), code="not_current"
        )
    if same_reading(reading, signed_reading(locked)):
        raise ValidationError(
            _("The correction changes nothing: change a figure, the grade or the notes, or leave the record as it is."),
            code="unchanged",
        )
    record = _create_trichoscopy(actor=actor, check=check, reading=reading, previous=locked, reason=reason.strip())
    audit_record(
        request=request,
        actor=actor,
        action=Action.AMEND,
        patient=check.patient_id,
        record=record,
        detail={"amends": locked.pk, "version": record.version},
    )
    return record


def signed_reading(record: Trichoscopy) -> Reading:
    """What a signed version says, as the Reading a form or the API gives."""
    return Reading(
        method=record.method,
        device=record.device,
        scale=record.scale,
        grade=record.grade,
        notes=record.notes,
        zones={m.zone.code: Figures(**{name: getattr(m, name) for name in FIGURES}) for m in record.measurements.all()},
    )


def photo_add(*, actor, check: Check, zone: str, upload, request=None) -> Photo:
    """Keep one standard photo of a check: decoded, cleaned of metadata, re-encoded, its thumbnail made once."""
    _require_recorder(actor, check.location_id)
    if zone not in PhotoZone.values:
        raise ValidationError({"zone": ValidationError(_("Choose one of the standard zones."), code="zone_unknown")})
    clean = images.clean_image(upload, limits=PHOTO_LIMITS)  # before the transaction: decoding takes a while
    small = images.thumbnail(clean, THUMBNAIL_SIDE)
    photo = Photo(
        result_check=check,
        patient_id=check.patient_id,
        zone=zone,
        uploaded_by=actor,
        width=clean.width,
        height=clean.height,
        sha256=clean.sha256,
    )
    photo.image.save("photo.jpg", clean.as_file(), save=False)
    photo.thumbnail.save("thumb.jpg", small.as_file("thumb.jpg"), save=False)
    try:
        with transaction.atomic():
            _check_in_force(check)
            photo.save()
            audit_record(
                request=request,
                actor=actor,
                action=Action.CREATE,
                patient=check.patient_id,
                record=photo,
                detail={"check": check.pk, "zone": zone, "sha256": photo.sha256},
            )
    except BaseException:
        # No row, no files: nothing is kept that no record names.
        photo.image.storage.delete(photo.image.name)
        photo.thumbnail.storage.delete(photo.thumbnail.name)
        raise
    return photo


@transaction.atomic
def check_withdraw(*, actor, check: Check, reason: str, request=None) -> Check:
    """Withdraw a check recorded in error (the wrong course, patient or kind): who, when and why are
    kept with the row, its figures stay as signed, its photos are withdrawn with it (so none can be
    published), and it leaves the comparisons and frees its place in the course."""
    _require_recorder(actor, check.location_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the check is withdrawn."), code="withdrawal_reason_required")}
        )
    reason = reason[:1000]
    now = timezone.now()
    if (
        Check.objects.filter(pk=check.pk, withdrawn_at=None).update(
            withdrawn_at=now, withdrawn_by=actor, withdrawal_reason=reason
        )
        != 1
    ):
        raise ValidationError(_("This check is already withdrawn."), code="already_withdrawn")
    photos = list(
        Photo.objects.filter(result_check=check, withdrawn_at=None, erased_at=None).values_list("pk", flat=True)
    )
    photo_reason = (_("The check is withdrawn: %(reason)s") % {"reason": reason})[:1000]
    Photo.objects.filter(pk__in=photos).update(
        withdrawn_at=now, withdrawn_by=actor, withdrawal_reason=photo_reason, publishable=False
    )
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=check.patient_id,
        record=check,
        detail={"withdrawn": True, "reason": reason[:500], "photos": photos},
    )
    check.refresh_from_db()
    return check


@transaction.atomic
def photo_withdraw(*, actor, photo: Photo, reason: str, request=None) -> Photo:
    """Stop showing a photo (taken badly, of the wrong zone): who, when and why are kept with the row."""
    _require_recorder(actor, photo.result_check.location_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the photo is withdrawn."), code="withdrawal_reason_required")}
        )
    now = timezone.now()
    claimed = Photo.objects.filter(pk=photo.pk, withdrawn_at=None, erased_at=None).update(
        withdrawn_at=now, withdrawn_by=actor, withdrawal_reason=reason[:1000], publishable=False
    )
    if claimed != 1:
        raise ValidationError(_("This photo is already withdrawn."), code="already_withdrawn")
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=photo.patient_id,
        record=photo,
        detail={"withdrawn": True, "reason": reason[:500]},
    )
    photo.refresh_from_db()
    return photo


@transaction.atomic
def photo_set_publishable(*, actor, photo: Photo, publishable: bool, request=None) -> Photo:
    """The clinician's mark that the photo shows no face (publication also needs the patient's consent)."""
    _require_recorder(actor, photo.result_check.location_id)
    if Photo.objects.filter(pk=photo.pk, withdrawn_at=None, erased_at=None).update(publishable=publishable) != 1:
        raise ValidationError(_("This photo is withdrawn."), code="withdrawn")
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=photo.patient_id,
        record=photo,
        detail={"publishable": publishable},
    )
    photo.publishable = publishable
    return photo

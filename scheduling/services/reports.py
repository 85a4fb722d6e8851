"""Warning signs a patient reports after a session, and what the clinician did about them.

A patient reports on their own completed session, up to REPORT_DAYS after it: the signs (which
decide `urgent`, see models.URGENT_SIGNS), a few words, a photo if they like. The photo is decoded
by Pillow, turned upright and re-encoded as JPEG (core.images), so that no metadata (EXIF: GPS
position, device, time) is kept. The clinician hears of it through the reminders' dispatch (reminders.scan); an action
is appended with who and when, and one action may mark the report resolved.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locations import user_works_at
from audit.models import Action
from audit.services import audit_record
from core.images import Limits, clean_image
from core.policy import require

from ..models import (
    URGENT_SIGNS,
    Session,
    SessionStatus,
    WarningReport,
    WarningReportAction,
    WarningReportVia,
    WarningSign,
)

REPORT_DAYS = 14  # recovery takes up to "over a week" (DOMAIN.md); two weeks covers it with room
MAX_REPORTS_PER_SESSION = 10  # a patient (or a forwarded link) cannot flood the clinician's list
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # a phone's photo is 12-50 MP; larger is shrunk, a "bomb" refused
PHOTO_MAX_SIDE = 4000
PHOTO_LIMITS = Limits(max_bytes=PHOTO_MAX_BYTES, max_pixels=PHOTO_MAX_PIXELS, max_side=PHOTO_MAX_SIDE)


def is_urgent(signs) -> bool:
    return any(sign in URGENT_SIGNS for sign in signs)


def report_window_end(session: Session) -> datetime.datetime:
    return session.end + datetime.timedelta(days=REPORT_DAYS)


def report_problems(session: Session, now: datetime.datetime | None = None) -> str:
    """Why the patient cannot report on this session online, or ""."""
    now = now or timezone.now()
    phone = session.location.phone
    if session.status != SessionStatus.COMPLETED:
        return _(
            "A problem can be reported for a session that took place. If something worries you, call %(phone)s."
        ) % {"phone": phone}
    if now > report_window_end(session):
        return _(
            "This session was more than %(days)d days ago, so it cannot be reported online. Please call %(phone)s."
        ) % {"days": REPORT_DAYS, "phone": phone}
    return ""


def clean_photo(upload) -> ContentFile:
    """The photo as a JPEG without metadata (core.images), or ValidationError with what is wrong."""
    return clean_image(upload, limits=PHOTO_LIMITS).as_file()


def _check_signs(signs, text: str) -> list[str]:
    known = {s.value for s in WarningSign}
    signs = list(dict.fromkeys(signs or []))
    if not signs or any(sign not in known for sign in signs):
        raise ValidationError({"signs": _("Choose at least one of the signs listed.")}, code="signs_required")
    if WarningSign.OTHER in signs and not text:
        raise ValidationError({"text": _("Describe the problem in a few words.")}, code="text_required")
    return signs


@transaction.atomic
def warning_report_create(
    *, patient, session: Session, signs, text: str = "", photo=None, via: str = WarningReportVia.PORTAL, request=None
) -> WarningReport:
    """Record a patient's report on their own completed session; the clinician is told by the next scan."""
    session = Session.objects.select_for_update().select_related("location").get(pk=session.pk)
    if session.patient_id != patient.pk:
        raise PermissionDenied(_("A patient reports only on their own sessions."))
    if problem := report_problems(session):
        raise ValidationError(problem, code="not_reportable")
    if WarningReport.objects.filter(session=session).count() >= MAX_REPORTS_PER_SESSION:
        raise ValidationError(
            _("You have already sent several reports on this session. Please call %(phone)s.")
            % {"phone": session.location.phone},
            code="too_many",
        )
    text = (text or "").strip()
    signs = _check_signs(signs, text)
    report = WarningReport(
        session=session, patient_id=patient.pk, signs=signs, text=text, urgent=is_urgent(signs), via=via
    )
    report.full_clean(exclude=["photo", "session", "patient"])
    if photo:
        report.photo = clean_photo(photo)  # saved to the private storage with the row
    report.save()
    audit_record(
        request=request,
        actor=patient.user if via == WarningReportVia.PORTAL else None,
        action=Action.CREATE,
        patient=patient.pk,
        record=report,
        detail={"via": via, "urgent": report.urgent, "photo": bool(report.photo)},
    )
    return report


def may_act_on(actor, report: WarningReport) -> bool:
    return report.session.clinician_id == actor.pk or user_works_at(actor, report.session.location_id)


@transaction.atomic
def warning_report_record_action(*, actor, report: WarningReport, action: str, resolved: bool = False, request=None):
    """Append what was done about a report (a clinician of its session's location); `resolved` closes it."""
    require(actor, "clinical.record")
    if not may_act_on(actor, report):
        raise PermissionDenied(_("Only a clinician of this location may record what was done."))
    action = (action or "").strip()
    if not action:
        raise ValidationError({"action": _("Say what was done.")}, code="action_required")
    locked = WarningReport.objects.select_for_update().get(pk=report.pk)
    if WarningReportAction.objects.filter(report=locked, resolved=True).exists():
        raise ValidationError(_("This report is already marked resolved."), code="resolved")
    row = WarningReportAction(report=locked, action=action, resolved=resolved, recorded_by=actor)
    row.full_clean(exclude=["report", "recorded_by"])
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(_("This report is already marked resolved."), code="resolved") from None
    audit_record(
        request=request,
        actor=actor,
        action=Action.CREATE,
        patient=locked.patient_id,
        record=row,
        detail={"report": locked.pk, "resolved": resolved},
    )
    return row

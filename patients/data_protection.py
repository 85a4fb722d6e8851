"""A patient's rights over their data: a copy of everything held (export), and erasure of who they
are (anonymisation) while the clinical records the law requires a clinic to keep stay in place.

Both are for clinic administrators only and both leave an audit event.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.policy import require
from audit.models import Action
from audit.selectors import audit_events_of_patient
from audit.services import audit_record

from .models import Patient

ANONYMOUS_PHONE = "+70000000000"


def _when(value):
    return value.isoformat() if value is not None else None


def export_patient(*, actor, patient: Patient, request=None) -> dict:
    """Everything the clinic holds about one patient, as plain JSON-ready data."""
    from portal.models import CalendarFeed, PortalLink
    from procedures.models import IceTest, Screening
    from scheduling.models import BookingRequest, Course, Dispatch, Session

    require(actor, "patient.data_protection")
    screenings = (
        Screening.objects.filter(patient=patient)
        .select_related("signed_by")
        .prefetch_related("procedures", "indications", "answers__contraindication")
        .order_by("examined_at", "version")
    )
    ice_tests = IceTest.objects.filter(patient=patient).select_related("signed_by").order_by("performed_at", "version")
    courses = Course.objects.filter(patient=patient).select_related("procedure", "location").order_by("created_at")
    sessions = Session.objects.filter(patient=patient).select_related("clinician").order_by("start")
    data = {
        "exported_at": timezone.now().isoformat(),
        "patient": {
            "id": patient.pk,
            "full_name": patient.full_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
            "phone": patient.phone.as_e164 if patient.phone else "",
            "email": patient.email,
            "preferred_language": patient.preferred_language,
            "consent_sms": patient.consent_sms,
            "consent_email": patient.consent_email,
            "notes": patient.notes,
            "home_location": patient.home_location.name,
            "created_at": _when(patient.created_at),
            "portal_login": patient.user_id is not None,
            "calendar_feed": CalendarFeed.objects.filter(patient=patient).exists(),
            "portal_links_sent": PortalLink.objects.filter(patient=patient).count(),
        },
        "screenings": [
            {
                "id": s.pk,
                "version": s.version,
                "amendment_reason": s.amendment_reason,
                "examined_at": _when(s.examined_at),
                "signed_by": str(s.signed_by),
                "signed_at": _when(s.signed_at),
                "procedures": [p.slug for p in s.procedures.all()],
                "indications": [i.slug for i in s.indications.all()],
                "complaints": s.complaints,
                "scalp_notes": s.scalp_notes,
                "fitzpatrick": s.fitzpatrick,
                "cleared": s.cleared,
                "answers": [
                    {
                        "contraindication": a.contraindication.slug,
                        "severity": a.severity,
                        "present": a.present,
                        "override_reason": a.override_reason,
                    }
                    for a in s.answers.all()
                ],
            }
            for s in screenings
        ],
        "ice_tests": [
            {
                "id": t.pk,
                "version": t.version,
                "amendment_reason": t.amendment_reason,
                "performed_at": _when(t.performed_at),
                "signed_by": str(t.signed_by),
                "area": t.area,
                "exposure_seconds": t.exposure_seconds,
                "discomfort": t.discomfort,
                "redness": t.redness,
                "itching": t.itching,
                "other_reaction": t.other_reaction,
                "passed": t.passed,
            }
            for t in ice_tests
        ],
        "courses": [
            {
                "id": c.pk,
                "procedure": c.procedure.slug,
                "location": c.location.name,
                "status": c.status,
                "session_count": c.session_count,
                "total_price": str(c.total_price),
                "created_at": _when(c.created_at),
            }
            for c in courses
        ],
        "sessions": [
            {
                "id": s.pk,
                "course": s.course_id,
                "start": _when(s.start),
                "end": _when(s.end),
                "status": s.status,
                "clinician": str(s.clinician),
                "cancel_reason": s.cancel_reason,
                "confirmed_at": _when(s.confirmed_at),
            }
            for s in sessions
        ],
        "messages": list(
            Dispatch.objects.filter(session__patient=patient)
            .order_by("due_at")
            .values("session_id", "kind", "channel", "status", "sent_at", "detail")
        ),
        "requests": list(
            BookingRequest.objects.filter(patient=patient).values("created_at", "preferred_time", "message", "status")
        ),
        "access_log": list(
            audit_events_of_patient(patient_id=patient.pk)
            .order_by("at")
            .values("at", "actor_name", "action", "record_type", "record_id")
        ),
    }
    audit_record(request=request, actor=actor, action=Action.VIEW, patient=patient, detail={"export": True})
    return data


@transaction.atomic
def anonymise_patient(*, actor, patient: Patient, reason: str, request=None) -> Patient:
    """Remove who the patient is; keep the clinical records (screenings, ice tests, sessions),
    now tied to nobody nameable. Refused while sessions are still to come: cancel them first."""
    from portal.models import CalendarFeed, PortalLink
    from scheduling.models import BookingRequest, Session, SessionStatus

    require(actor, "patient.data_protection")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why (for example, the patient's written request).")}, code="required")
    if patient.full_name.startswith("Anonymised patient"):
        raise ValidationError(_("This patient is already anonymised."), code="already_anonymised")
    upcoming = Session.objects.filter(patient=patient, status=SessionStatus.SCHEDULED, end__gte=timezone.now())
    if n := upcoming.count():
        raise ValidationError(
            ngettext(
                "This patient still has %(n)s session to come. Cancel it before anonymising.",
                "This patient still has %(n)s sessions to come. Cancel them before anonymising.",
                n,
            )
            % {"n": n},
            code="has_upcoming_sessions",
        )
    user = patient.user
    Patient.objects.filter(pk=patient.pk).update(
        full_name=f"Anonymised patient {patient.pk}",
        date_of_birth=datetime.date(patient.date_of_birth.year, 1, 1),  # the age stays, for the records
        phone=ANONYMOUS_PHONE,
        phone_digits="0000000000",
        email="",
        notes="",
        consent_sms=False,
        consent_email=False,
        user=None,
    )
    if user is not None:
        user.is_active = False
        user.username = f"anonymised-{patient.pk}-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.set_unusable_password()
        user.save()
    CalendarFeed.objects.filter(patient=patient).delete()
    PortalLink.objects.filter(patient=patient).delete()
    BookingRequest.objects.filter(patient=patient).update(name="—", phone="—", message="")
    patient.refresh_from_db()
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=patient,
        record=patient,
        detail={"anonymised": True, "reason": reason.strip()[:500]},
    )
    return patient

"""A patient's courses, sessions and website requests, for an export; what erasing touches."""

from __future__ import annotations

from django.utils import timezone

from patients.data_protection import when

from .models import (
    BookingRequest,
    Course,
    PlanChange,
    Session,
    SessionNote,
    SessionStatus,
    WaitlistEntry,
    WarningReport,
)


def bookings_export(patient) -> dict:
    courses = Course.objects.filter(patient=patient).select_related("procedure", "location").order_by("created_at")
    sessions = Session.objects.filter(patient=patient).select_related("clinician").order_by("start")
    return {
        "courses": [
            {
                "id": c.pk,
                "procedure": c.procedure.slug,
                "location": c.location.name,
                "status": c.status,
                "session_count": c.session_count,
                "total_price": str(c.total_price),
                "created_at": when(c.created_at),
            }
            for c in courses
        ],
        "sessions": [
            {
                "id": s.pk,
                "course": s.course_id,
                "start": when(s.start),
                "end": when(s.end),
                "status": s.status,
                "clinician": str(s.clinician),
                "cancel_reason": s.cancel_reason,
                "confirmed_at": when(s.confirmed_at),
            }
            for s in sessions
        ],
        "plan_changes": list(
            PlanChange.objects.filter(patient=patient)
            .order_by("created_at")
            .values("created_at", "kind", "reason", "sessions")
        ),
        "requests": list(
            BookingRequest.objects.filter(patient=patient).values("created_at", "preferred_time", "message", "status")
        ),
        "session_notes": [
            {
                "id": n.pk,
                "session": n.session_id,
                "version": n.version,
                "amendment_reason": n.amendment_reason,
                "signed_by": str(n.signed_by),
                "signed_at": when(n.signed_at),
                "zones": n.zones,
                "passes": n.passes,
                "exposure_seconds": n.exposure_seconds,
                "volume_ml": str(n.volume_ml) if n.volume_ml is not None else None,
                "reaction": n.reaction,
                "notes": n.notes,
            }
            for n in SessionNote.objects.filter(patient=patient).select_related("signed_by").order_by("id")
        ],
        "warning_reports": [_report_export(r) for r in _reports(patient)],
        "waiting_list": [
            {
                "procedure": e.procedure.slug,
                "location": e.location.name,
                "weekdays": e.weekdays,
                "time_from": e.time_from.isoformat() if e.time_from else None,
                "time_to": e.time_to.isoformat() if e.time_to else None,
                "earliest_on": e.earliest_on.isoformat(),
                "latest_on": e.latest_on.isoformat(),
                "status": e.status,
                "created_at": when(e.created_at),
                "offers": [
                    {"start": when(o.start), "status": o.status, "created_at": when(o.created_at)}
                    for o in e.offers.all()
                ],
            }
            for e in WaitlistEntry.objects.filter(patient=patient)
            .select_related("procedure", "location")
            .prefetch_related("offers")
            .order_by("created_at")
        ],
    }


def _reports(patient):
    return WarningReport.objects.filter(patient=patient).prefetch_related("actions__recorded_by").order_by("id")


def _report_export(report) -> dict:
    """What the patient reported and what was done; the photo is named, not embedded (it is kept on file)."""
    return {
        "id": report.pk,
        "session": report.session_id,
        "created_at": when(report.created_at),
        "signs": report.signs,
        "text": report.text,
        "urgent": report.urgent,
        "via": report.via,
        "photo": bool(report.photo),
        "actions": [
            {
                "action": a.action,
                "resolved": a.resolved,
                "recorded_by": str(a.recorded_by),
                "recorded_at": when(a.recorded_at),
            }
            for a in report.actions.all()
        ],
    }


def upcoming_sessions(patient) -> int:
    """Sessions still to come: a patient who has them cannot be anonymised yet."""
    return Session.objects.filter(patient=patient, status=SessionStatus.SCHEDULED, end__gte=timezone.now()).count()


def bookings_erase(patient) -> None:
    """Sessions stay (medical records); the website requests lose what the patient typed."""
    BookingRequest.objects.filter(patient=patient).update(name="—", phone="—", message="")

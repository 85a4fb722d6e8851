"""Reads of warning reports: one report for a clinician, the open ones of a clinician's sessions,
a patient's or a course's reports; each in a fixed number of queries."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404

from accounts.locations import location_ids_of
from core.policy import require

from .models import WarningReport, WarningReportAction


def with_resolution(queryset):
    """Each report with `resolved_at`: when an action closed it, or None while it is open."""
    closing = WarningReportAction.objects.filter(report=OuterRef("pk"), resolved=True).values("recorded_at")[:1]
    return queryset.annotate(resolved_at=Subquery(closing)).select_related(
        "patient", "session__course__procedure", "session__location", "session__clinician"
    )


def warning_report_get_for_user(user, pk: int, *, action: str = "clinical.view") -> WarningReport:
    """The report if the user is a clinician of its session's location: 403 without the role, else 404."""
    require(user, action)
    mine = WarningReport.objects.filter(session__course__location_id__in=location_ids_of(user))
    return get_object_or_404(with_resolution(mine), pk=pk)


def open_reports_for_clinician(clinician) -> list[WarningReport]:
    """The unresolved reports on the clinician's own sessions, urgent first, then the oldest first."""
    reports = WarningReport.objects.filter(session__clinician=clinician).exclude(actions__resolved=True)
    return list(with_resolution(reports).order_by("-urgent", "created_at"))


def patient_reports(patient) -> list[WarningReport]:
    return list(with_resolution(WarningReport.objects.filter(patient=patient)).order_by("-created_at"))


def course_reports(course) -> list[WarningReport]:
    return list(with_resolution(WarningReport.objects.filter(session__course=course)).order_by("-created_at"))


def report_actions(report: WarningReport) -> list[WarningReportAction]:
    return list(report.actions.select_related("recorded_by").order_by("recorded_at", "pk"))

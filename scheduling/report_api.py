"""Warning reports over the API, for clinicians: the list (the worklist's alert by default) and one
report with what was done. Reads are audited as on the pages; the photo stays behind its page."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.locations import location_ids_of
from audit.models import Action
from audit.services import audit_list_read, audit_record
from core.policy import api_permission

from . import report_selectors
from .models import WarningReport

LIST_LIMIT = 200


class WarningReportActionOutSerializer(serializers.Serializer):
    action = serializers.CharField()
    resolved = serializers.BooleanField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class PatientRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class WarningReportOutSerializer(serializers.ModelSerializer):
    patient = PatientRefSerializer()
    session_start = serializers.DateTimeField(source="session.start")
    procedure = serializers.CharField(source="session.course.procedure.slug")
    clinician = serializers.IntegerField(source="session.clinician_id")
    resolved_at = serializers.DateTimeField(allow_null=True)
    has_photo = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()

    class Meta:
        model = WarningReport
        fields = [
            "id",
            "session",
            "session_start",
            "procedure",
            "clinician",
            "patient",
            "signs",
            "text",
            "urgent",
            "via",
            "created_at",
            "resolved_at",
            "has_photo",
            "page",
        ]

    def get_has_photo(self, report) -> bool:
        return bool(report.photo)

    def get_page(self, report) -> str:
        return reverse("scheduling:warning-report", args=[report.pk])


class WarningReportDetailSerializer(WarningReportOutSerializer):
    actions = WarningReportActionOutSerializer(many=True, source="action_rows")

    class Meta(WarningReportOutSerializer.Meta):
        fields = [*WarningReportOutSerializer.Meta.fields, "actions"]


class WarningReportQuerySerializer(serializers.Serializer):
    mine = serializers.BooleanField(default=True, help_text="Only reports on the caller's own sessions.")
    open = serializers.BooleanField(default=True, help_text="Only reports not yet marked resolved.")


class WarningReportListApi(APIView):
    permission_classes = [api_permission("clinical.view")]

    @extend_schema(
        parameters=[OpenApiParameter("mine", bool), OpenApiParameter("open", bool)],
        responses={200: WarningReportOutSerializer(many=True)},
    )
    def get(self, request):
        query = WarningReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        reports = WarningReport.objects.filter(session__course__location_id__in=location_ids_of(request.user))
        if query.validated_data["mine"]:
            reports = reports.filter(session__clinician=request.user)
        if query.validated_data["open"]:
            reports = reports.exclude(actions__resolved=True)
        rows = report_selectors.with_resolution(reports).order_by("-urgent", "-created_at")[:LIST_LIMIT]
        rows = list(rows)
        audit_list_read(
            request=request,
            record_type="scheduling.warningreport",
            ids=[r.pk for r in rows],
            patient_ids=[r.patient_id for r in rows],
        )
        return Response(WarningReportOutSerializer(rows, many=True).data)


class WarningReportDetailApi(APIView):
    permission_classes = [api_permission("clinical.view")]

    @extend_schema(responses={200: WarningReportDetailSerializer})
    def get(self, request, pk):
        report = report_selectors.warning_report_get_for_user(request.user, pk)
        report.action_rows = report_selectors.report_actions(report)
        audit_record(
            request=request,
            action=Action.VIEW,
            patient=report.patient_id,
            record=report,
            detail={"api": True, "actions": [a.pk for a in report.action_rows]},
        )
        return Response(WarningReportDetailSerializer(report).data)

"""GET /api/v1/me/results/: the signed-in patient's own checks, course by course, each compared first to latest."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import audit_record
from core.policy import api_permission
from results.compare_api import ComparisonSerializer
from results.compare_selectors import patient_results, plain_sentences

from . import services

PHOTO_URLS = ("portal:results-photo", "portal:results-photo-thumb")


class MyCourseResultsSerializer(ComparisonSerializer):
    course = serializers.IntegerField(source="course.pk", allow_null=True, help_text="null: checks of no course.")
    procedure = serializers.CharField(source="course.procedure.name", allow_null=True)
    summary = serializers.SerializerMethodField(
        help_text="The change of density, terminal share and thickness in plain words (Accept-Language)."
    )

    def get_summary(self, result) -> list[str]:
        return plain_sentences(result)


class MeResultsApi(APIView):
    """The patient's own checks, course by course (the latest checked first), first compared to latest.

    Automatic counts can differ by about 10 % between checks: the trend matters more than one figure.
    """

    permission_classes = [api_permission("portal.use")]

    @extend_schema(operation_id="me_results", responses={200: MyCourseResultsSerializer(many=True)})
    def get(self, request):
        patient = services.own_patient(request.user)
        courses = patient_results(patient) if patient else []
        if patient is not None:
            audit_record(
                request=request,
                action=Action.VIEW,
                patient=patient,
                record_type="results.check",
                detail={"portal_results": sum(len(c.comparison.checks) for c in courses), "api": True},
            )
        results = [c.comparison for c in courses]
        return Response(MyCourseResultsSerializer(results, many=True, context={"photo_urls": PHOTO_URLS}).data)

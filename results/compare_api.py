"""GET /api/v1/courses/<id>/results/comparison/?from=<check>&to=<check>: a course's before and after.

The same comparison as the page (results.compare_selectors): every check's figures, the two compared
(first and latest unless chosen), each figure's change and the photos paired. A share's change is in
percentage points and has no percent; a quantity's has both. A check of another course is 404.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import audit_record
from core.policy import api_permission

from .compare_selectors import course_comparison_for_user, figures_of
from .comparison import METRICS
from .models import CheckKind, PhotoZone

METRIC_NAMES = [m.field for m in METRICS]


class MetricChangeSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=METRIC_NAMES, source="metric.field")
    label = serializers.CharField(source="metric.label", help_text="In the request's language.")
    unit = serializers.CharField(source="metric.unit", help_text="per cm², µm or %.")
    before = serializers.FloatField(allow_null=True)
    after = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(
        source="delta", allow_null=True, help_text="after − before in the unit (percentage points for a share)."
    )
    percent = serializers.FloatField(
        allow_null=True, help_text="Of `before`, one decimal; null for a share, a missing figure or a start of 0."
    )


class ZoneChangesSerializer(serializers.Serializer):
    zone = serializers.CharField(source="zone.code")
    name = serializers.CharField(source="zone.name")
    changes = MetricChangeSerializer(many=True)


class ZoneFiguresSerializer(serializers.Serializer):
    zone = serializers.CharField()
    name = serializers.CharField()
    density = serializers.IntegerField(help_text="Hairs per cm².")
    terminal_share = serializers.FloatField(allow_null=True)
    vellus_share = serializers.FloatField(allow_null=True)
    mean_diameter = serializers.FloatField(allow_null=True, help_text="µm.")
    anagen_share = serializers.FloatField(allow_null=True)
    telogen_share = serializers.FloatField(allow_null=True)


class CheckFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CheckKind.choices)
    taken_at = serializers.DateTimeField()
    zones = serializers.SerializerMethodField(help_text="The figures of the check's newest trichoscopy version.")

    @extend_schema_field(ZoneFiguresSerializer(many=True))
    def get_zones(self, check) -> list[dict]:
        rows = [{"zone": z.code, "name": z.name, **values} for z, values in figures_of(check).items()]
        return ZoneFiguresSerializer(rows, many=True).data


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="The JPEG, for whoever may see it (audited, never cached).")
    thumbnail_url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return reverse(self.context["photo_urls"][0], args=[photo.pk])

    def get_thumbnail_url(self, photo) -> str:
        return reverse(self.context["photo_urls"][1], args=[photo.pk])


class PhotoPairSerializer(serializers.Serializer):
    zone = serializers.ChoiceField(choices=PhotoZone.choices)
    before = PhotoSerializer(allow_null=True, help_text="null: no photo of this zone at that check.")
    after = PhotoSerializer(allow_null=True)


# "from" is a Python keyword, so the fields that carry it are declared in a dict.
ComparisonSerializer = type(
    "ComparisonSerializer",
    (serializers.Serializer,),
    {
        "checks": CheckFiguresSerializer(many=True, help_text="Every check, in time order."),
        "from": serializers.IntegerField(
            source="before.pk",
            allow_null=True,
            help_text="The check compared from; null: only a check after the course.",
        ),
        "to": serializers.IntegerField(source="after.pk", allow_null=True, help_text="null: only one check so far."),
        "zones": ZoneChangesSerializer(many=True),
        "photos": PhotoPairSerializer(many=True),
    },
)


class CourseComparisonSerializer(ComparisonSerializer):
    course = serializers.IntegerField(source="course.pk")
    patient = serializers.IntegerField(source="course.patient_id")


ComparisonQuerySerializer = type(
    "ComparisonQuerySerializer",
    (serializers.Serializer,),
    {
        "from": serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1),
        "to": serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1),
    },
)


class CourseComparisonApi(APIView):
    """A course's before and after: the first and the latest check unless `from` and `to` are given."""

    permission_classes = [api_permission("results.view")]

    @extend_schema(
        operation_id="course_results_comparison",
        parameters=[
            OpenApiParameter("from", int, description="A check of this course; default: the first."),
            OpenApiParameter("to", int, description="A check of this course; default: the latest."),
        ],
        responses={200: CourseComparisonSerializer},
    )
    def get(self, request, pk: int):
        query = ComparisonQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = course_comparison_for_user(
            request.user, pk, from_pk=query.validated_data.get("from"), to_pk=query.validated_data.get("to")
        )
        audit_record(
            request=request,
            action=Action.VIEW,
            patient=result.course.patient_id,
            record=result.course,
            detail={"comparison": [getattr(result.before, "pk", None), getattr(result.after, "pk", None)], "api": True},
        )
        photo_urls = ("results:photo-file", "results:photo-thumb")
        return Response(CourseComparisonSerializer(result, context={"photo_urls": photo_urls}).data)

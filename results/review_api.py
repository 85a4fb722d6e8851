"""Reviews through the API: the public list of approved ones, and the patient's own review of a course."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Conflict
from core.policy import api_permission

from . import public, reviews
from .reviews import COMMENT_MAX, DISPLAY_NAME_MAX

CONFLICT_CODES = {"not_completed", "already_reviewed"}


class PublicReviewsQuerySerializer(serializers.Serializer):
    procedure = serializers.SlugField(required=False, help_text="A procedure's slug.")
    clinician = serializers.IntegerField(required=False, min_value=1, help_text="A clinician's id.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=100000, default=0)

    def validate(self, attrs):
        if ("procedure" in attrs) == ("clinician" in attrs):
            raise serializers.ValidationError(
                "Give either procedure or clinician.", code="procedure_or_clinician_required"
            )
        return attrs


class PublicReviewSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField()
    display_name = serializers.CharField(help_text="The name the patient signed with: never a surname.")
    procedure = serializers.SlugField(source="procedure.slug")
    clinician = serializers.SerializerMethodField(help_text="The name the clinic shows; empty when none.")
    month = serializers.SerializerMethodField(help_text="YYYY-MM the review was written: never the day.")

    def get_clinician(self, obj) -> str:
        return public.clinician_name(obj.clinician)

    def get_month(self, obj) -> str:
        return obj.created_at.strftime("%Y-%m")


class PublicReviewsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Approved reviews in all.")
    average = serializers.DecimalField(
        max_digits=2, decimal_places=1, allow_null=True, help_text="Their average rating, to one decimal."
    )
    results = PublicReviewSerializer(many=True)


class PublicReviewsApi(APIView):
    """Approved reviews of a procedure (?procedure=slug) or a clinician (?clinician=id), newest first, with
    the average rating. Public: no sign-in; pending and rejected reviews are never listed."""

    permission_classes = [AllowAny]
    authentication_classes = []
    pagination_class = None

    @extend_schema(
        parameters=[PublicReviewsQuerySerializer],
        responses={200: PublicReviewsSerializer, 404: OpenApiResponse(description="No such procedure or clinician.")},
    )
    def get(self, request):
        query = PublicReviewsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if "procedure" in data:
            approved = public.approved_reviews(procedure=public.procedure_get(data["procedure"]))
        else:
            approved = public.approved_reviews(clinician=public.public_clinician_get(data["clinician"]))
        rating = public.rating_of(approved)
        page = list(approved[data["offset"] : data["offset"] + data["limit"]])
        body = {"count": rating.count, "average": rating.average, "results": page}
        return Response(PublicReviewsSerializer(body).data)


class ReviewInSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX, default="")
    display_name = serializers.CharField(
        required=False,
        max_length=DISPLAY_NAME_MAX,
        help_text="How to sign the review; the patient's first name when left out. Never the surname.",
    )


class MyReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    display_name = serializers.CharField()
    status = serializers.CharField(help_text="pending until the clinic moderates it: approved or rejected.")


class MeCourseReviewApi(APIView):
    """Review one's own completed course: once (409 already_reviewed; 409 not_completed before its end)."""

    permission_classes = [api_permission("portal.use")]

    @extend_schema(
        request=ReviewInSerializer,
        responses={
            201: MyReviewSerializer,
            409: OpenApiResponse(description="already_reviewed, or not_completed: the course is not over."),
        },
    )
    def post(self, request, pk):
        course = reviews.own_course_get(request.user, pk)
        data = ReviewInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            review = reviews.review_submit(
                patient=course.patient, course=course, request=request, **data.validated_data
            )
        except ValidationError as error:
            if getattr(error, "code", None) in CONFLICT_CODES:
                raise Conflict(" ".join(error.messages), code=error.code) from error
            raise
        return Response(MyReviewSerializer(review).data, status=status.HTTP_201_CREATED)

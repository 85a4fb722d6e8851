"""The results API for clinicians: a course's checks, their trichoscopy versions and photos.

Errors are core.api's shape; codes include amendment_reason_required, not_current, check_exists,
shares_sum, density_range, grade_not_of_scale, photo_invalid, photo_too_large, photo_too_many_pixels,
withdrawal_reason_required. A zone's figure is named "<zone>-<figure>" in `fields`
(frontoparietal-density). A photo is sent as multipart/form-data (the one upload the API takes that
way, see core.parsers); it is served only by the page's audited view, whose address `url` gives.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import audit_list_read, audit_record
from core.api import AwareDateTimeField, ErrorSerializer
from core.policy import api_permission
from scheduling.selectors import course_get_for_user

from . import selectors, services
from .models import Check, CheckKind, Method, PhotoZone, Scale, Trichoscopy
from .validation import Figures, Reading


def _share(**kwargs):
    return serializers.DecimalField(max_digits=6, decimal_places=1, required=False, allow_null=True, **kwargs)


class MeasurementSerializer(serializers.Serializer):
    zone = serializers.SlugField(help_text="A measured zone's code: frontoparietal, occipital, ...")
    density = serializers.IntegerField(min_value=0, max_value=100_000, help_text="Hairs per cm².")
    terminal_share = _share(help_text="%")
    vellus_share = _share(help_text="%")
    mean_diameter = _share(help_text="µm")
    anagen_share = _share(help_text="%")
    telogen_share = _share(help_text="%")


class MeasurementOutSerializer(MeasurementSerializer):
    zone = serializers.CharField(source="zone.code", read_only=True)


class TrichoscopyInSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Method.choices)
    device = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    scale = serializers.ChoiceField(choices=Scale.choices, required=False, allow_blank=True, default="")
    grade = serializers.CharField(max_length=5, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    measurements = MeasurementSerializer(many=True, max_length=20)

    def validate_measurements(self, rows):
        zones = [row["zone"] for row in rows]
        if len(zones) != len(set(zones)):
            raise serializers.ValidationError(_("Each zone may be measured once."), code="duplicate_zone")
        return rows


class AmendInSerializer(TrichoscopyInSerializer):
    amendment_reason = serializers.CharField(max_length=2000, allow_blank=True)


def reading_of(data: dict) -> Reading:
    figures = {
        row["zone"]: Figures(**{name: row.get(name) for name in MeasurementSerializer().fields if name != "zone"})
        for row in data["measurements"]
    }
    return Reading(
        method=data["method"],
        device=data["device"],
        scale=data["scale"],
        grade=data["grade"],
        notes=data["notes"],
        zones=figures,
    )


class CheckInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CheckKind.choices)
    after_session = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    taken_at = AwareDateTimeField(required=False, allow_null=True, help_text="Default: now.")
    trichoscopy = TrichoscopyInSerializer(required=False, allow_null=True, help_text="Or added later.")


class TrichoscopyOutSerializer(serializers.ModelSerializer):
    signed_by = serializers.StringRelatedField()
    measurements = MeasurementOutSerializer(many=True, read_only=True)

    class Meta:
        model = Trichoscopy
        fields = [
            "id",
            "chain",
            "version",
            "amends",
            "amendment_reason",
            "signed_by",
            "signed_at",
            "method",
            "device",
            "scale",
            "grade",
            "notes",
            "measurements",
        ]


class PhotoOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    zone = serializers.ChoiceField(choices=PhotoZone.choices)
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    sha256 = serializers.CharField()
    publishable = serializers.BooleanField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="The photo, through the audited view (a signed-in clinician).")
    thumbnail_url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return reverse("results:photo-file", args=[photo.pk])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("results:photo-thumb", args=[photo.pk])


class CheckOutSerializer(serializers.ModelSerializer):
    trichoscopy = serializers.SerializerMethodField(help_text="The newest version, or null.")
    photos = serializers.SerializerMethodField(help_text="The photos still shown (not withdrawn).")

    class Meta:
        model = Check
        fields = [
            "id",
            "course",
            "patient",
            "location",
            "kind",
            "after_session",
            "taken_at",
            "withdrawn_at",
            "withdrawal_reason",
            "trichoscopy",
            "photos",
        ]
        read_only_fields = ["withdrawn_at", "withdrawal_reason"]

    def _versions(self, check) -> list:
        return sorted(check.trichoscopies.all(), key=lambda t: -t.version)

    @extend_schema_field(TrichoscopyOutSerializer(allow_null=True))
    def get_trichoscopy(self, check):
        versions = self._versions(check)
        return TrichoscopyOutSerializer(versions[0]).data if versions else None

    @extend_schema_field(PhotoOutSerializer(many=True))
    def get_photos(self, check):
        return PhotoOutSerializer([p for p in check.photos.all() if p.shown], many=True).data


class CheckDetailSerializer(CheckOutSerializer):
    versions = serializers.SerializerMethodField(help_text="Every version, newest first.")

    class Meta(CheckOutSerializer.Meta):
        fields = [*CheckOutSerializer.Meta.fields, "versions"]

    @extend_schema_field(TrichoscopyOutSerializer(many=True))
    def get_versions(self, check):
        return TrichoscopyOutSerializer(self._versions(check), many=True).data


def _check_with_details(user, pk) -> Check:
    check = selectors.check_get_for_user(user, pk)
    return (
        Check.objects.filter(pk=check.pk)
        .prefetch_related(selectors.latest_trichoscopies(), "photos")
        .select_related("location")
        .get()
    )


class CourseChecksApi(APIView):
    permission_classes = [api_permission("results.record", safe="results.view")]

    @extend_schema(responses={200: CheckOutSerializer(many=True)})
    def get(self, request, pk):
        course = course_get_for_user(request.user, pk, action="results.view")
        checks = selectors.checks_of_course(course)
        audit_list_read(
            request=request, record_type="results.check", ids=[c.pk for c in checks], patient_ids=[course.patient_id]
        )
        return Response(CheckOutSerializer(checks, many=True).data)

    @extend_schema(request=CheckInSerializer, responses={201: CheckDetailSerializer})
    def post(self, request, pk):
        course = course_get_for_user(request.user, pk, action="results.record")
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        check = services.check_create(
            actor=request.user,
            request=request,
            course=course,
            kind=v["kind"],
            after_session=v.get("after_session"),
            taken_at=v.get("taken_at"),
            reading=reading_of(v["trichoscopy"]) if v.get("trichoscopy") else None,
        )
        return Response(CheckDetailSerializer(_check_with_details(request.user, check.pk)).data, status=201)


class CheckApi(APIView):
    permission_classes = [api_permission("results.view")]

    @extend_schema(responses={200: CheckDetailSerializer})
    def get(self, request, pk):
        check = _check_with_details(request.user, pk)
        audit_record(
            request=request,
            action=Action.VIEW,
            patient=check.patient_id,
            record=check,
            detail={"versions": [t.pk for t in check.trichoscopies.all()], "api": True},
        )
        return Response(CheckDetailSerializer(check).data)


class TrichoscopySignApi(APIView):
    permission_classes = [api_permission("results.record")]

    @extend_schema(request=TrichoscopyInSerializer, responses={201: CheckDetailSerializer})
    def post(self, request, pk):
        check = selectors.check_get_for_user(request.user, pk)
        data = TrichoscopyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.trichoscopy_sign(
            actor=request.user, request=request, check=check, reading=reading_of(data.validated_data)
        )
        return Response(CheckDetailSerializer(_check_with_details(request.user, pk)).data, status=201)


class CheckAmendApi(APIView):
    """Correct the check's newest trichoscopy version (a new version with the reason)."""

    permission_classes = [api_permission("results.record")]

    @extend_schema(request=AmendInSerializer, responses={201: CheckDetailSerializer})
    def post(self, request, pk):
        check = selectors.check_get_for_user(request.user, pk)
        data = AmendInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        current = Trichoscopy.objects.filter(result_check=check).order_by("-version").first()
        if current is None:
            raise ValidationError(
                _("This check has no trichoscopy yet: sign its first version."), code="no_trichoscopy"
            )
        services.trichoscopy_amend(
            actor=request.user,
            request=request,
            previous=current,
            reason=data.validated_data["amendment_reason"],
            reading=reading_of(data.validated_data),
        )
        return Response(CheckDetailSerializer(_check_with_details(request.user, pk)).data, status=201)


class PhotoInSerializer(serializers.Serializer):
    zone = serializers.ChoiceField(choices=PhotoZone.choices)
    photo = serializers.FileField(help_text="A JPEG, PNG or WebP picture, at most 15 MB and 50 megapixels.")


class CheckPhotosApi(APIView):
    permission_classes = [api_permission("results.record")]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": PhotoInSerializer},
        responses={
            201: PhotoOutSerializer,
            413: OpenApiResponse(ErrorSerializer, description="The body is past 15 MB (`request_too_large`)."),
            415: OpenApiResponse(
                ErrorSerializer,
                description="Not multipart/form-data with a boundary (`unsupported_media_type`): "
                "this is the one endpoint that takes a file, and it takes no JSON.",
            ),
        },
    )
    def post(self, request, pk):
        check = selectors.check_get_for_user(request.user, pk)
        data = PhotoInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.photo_add(
            actor=request.user,
            request=request,
            check=check,
            zone=data.validated_data["zone"],
            upload=data.validated_data["photo"],
        )
        return Response(PhotoOutSerializer(photo).data, status=status.HTTP_201_CREATED)


class WithdrawInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class CheckWithdrawApi(APIView):
    """Withdraw a check recorded in error, with the reason; its photos are withdrawn with it."""

    permission_classes = [api_permission("results.record")]

    @extend_schema(request=WithdrawInSerializer, responses={200: CheckDetailSerializer})
    def post(self, request, pk):
        check = selectors.check_get_for_user(request.user, pk)
        data = WithdrawInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.check_withdraw(actor=request.user, request=request, check=check, reason=data.validated_data["reason"])
        return Response(CheckDetailSerializer(_check_with_details(request.user, check.pk)).data)


class PhotoWithdrawApi(APIView):
    permission_classes = [api_permission("results.record")]

    @extend_schema(request=WithdrawInSerializer, responses={200: PhotoOutSerializer})
    def post(self, request, pk):
        photo = selectors.photo_get_for_user(request.user, pk)
        data = WithdrawInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.photo_withdraw(
            actor=request.user, request=request, photo=photo, reason=data.validated_data["reason"]
        )
        return Response(PhotoOutSerializer(photo).data)

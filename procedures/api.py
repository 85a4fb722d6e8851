import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import Action
from audit.services import audit_record
from core import dates
from core.policy import api_permission
from patients.models import Patient
from patients.selectors import patient_get_for_user

from . import services
from .eligibility import eligibility
from .models import Contraindication, IceTest, Indication, Procedure, Screening


class ProcedureSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    contraindications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    indications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Procedure
        fields = [
            "slug",
            "name",
            "name_ru",
            "name_en",
            "duration_minutes",
            "min_sessions",
            "max_sessions",
            "spacing_days",
            "max_gap_days",
            "price_per_session",
            "course_discount_percent",
            "requires_ice_test",
            "screening_valid_days",
            "ice_test_valid_days",
            "ice_test_min_hours_before",
            "combined_lead_minutes",
            "requires_certification",
            "active",
            "contraindications",
            "indications",
        ]


class ProcedureListApi(generics.ListAPIView):
    permission_classes = [api_permission("catalogue.view")]
    serializer_class = ProcedureSerializer
    pagination_class = None
    queryset = Procedure.objects.prefetch_related("contraindications", "indications").order_by("slug")


def _patient(user, pk) -> Patient:
    return patient_get_for_user(user, pk)


class AnswerSerializer(serializers.Serializer):
    contraindication = serializers.SlugRelatedField(slug_field="slug", queryset=Contraindication.objects.all())
    present = serializers.BooleanField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ScreeningInSerializer(serializers.Serializer):
    procedures = serializers.ListField(child=serializers.SlugField(), min_length=1, max_length=10)
    answers = AnswerSerializer(many=True)
    indications = serializers.SlugRelatedField(
        slug_field="slug", queryset=Indication.objects.all(), many=True, required=False, default=list
    )
    complaints = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    scalp_notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    fitzpatrick = serializers.IntegerField(min_value=1, max_value=6)

    def validate_answers(self, answers):
        slugs = [a["contraindication"].slug for a in answers]
        if len(slugs) != len(set(slugs)):
            raise serializers.ValidationError(_("Each contraindication may be answered once."), code="duplicate_answer")
        return answers


class ScreeningOutSerializer(serializers.ModelSerializer):
    procedures = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Screening
        fields = [
            "id",
            "chain",
            "version",
            "examined_at",
            "signed_at",
            "signed_by",
            "procedures",
            "fitzpatrick",
            "cleared",
        ]


class ScreeningCreateApi(APIView):
    permission_classes = [api_permission("clinical.record")]

    @extend_schema(request=ScreeningInSerializer, responses={201: ScreeningOutSerializer})
    def post(self, request, pk):
        patient = _patient(request.user, pk)
        data = ScreeningInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        screening = services.screening_sign(
            actor=request.user,
            request=request,
            patient=patient,
            procedures=services.procedures_by_slugs(v["procedures"]),
            answers={a["contraindication"].id: (a["present"], a["override_reason"]) for a in v["answers"]},
            indication_ids=[i.id for i in v["indications"]],
            complaints=v["complaints"],
            scalp_notes=v["scalp_notes"],
            fitzpatrick=v["fitzpatrick"],
        )
        return Response(ScreeningOutSerializer(screening).data, status=status.HTTP_201_CREATED)


class IceTestInSerializer(serializers.Serializer):
    performed_at = dates.PlausibleDateTimeSerializerField(
        plausible=dates.RECORD, required=False, allow_null=True, default=None
    )
    area = serializers.CharField(max_length=200)
    exposure_seconds = serializers.IntegerField(min_value=1, max_value=600)
    discomfort = serializers.BooleanField(default=False)
    redness = serializers.BooleanField(default=False)
    itching = serializers.BooleanField(default=False)
    other_reaction = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class IceTestOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = IceTest
        fields = [
            "id",
            "chain",
            "version",
            "performed_at",
            "signed_at",
            "signed_by",
            "area",
            "exposure_seconds",
            "discomfort",
            "redness",
            "itching",
            "other_reaction",
            "passed",
        ]


class IceTestCreateApi(APIView):
    permission_classes = [api_permission("clinical.record")]

    @extend_schema(request=IceTestInSerializer, responses={201: IceTestOutSerializer})
    def post(self, request, pk):
        patient = _patient(request.user, pk)
        data = IceTestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        test = services.ice_test_record(actor=request.user, request=request, patient=patient, **data.validated_data)
        return Response(IceTestOutSerializer(test).data, status=status.HTTP_201_CREATED)


class EligibilityQuerySerializer(serializers.Serializer):
    procedure = serializers.SlugField()
    date = dates.PlausibleDateSerializerField(plausible=dates.BROWSE, required=False)


class EligibilityApi(APIView):
    permission_classes = [api_permission("eligibility.view")]

    @extend_schema(
        parameters=[OpenApiParameter("procedure", str, required=True), OpenApiParameter("date", datetime.date)],
        responses={
            200: inline_serializer(
                "Eligibility",
                {
                    "eligible": serializers.BooleanField(),
                    "reasons": serializers.ListField(child=serializers.CharField()),
                    "codes": serializers.ListField(child=serializers.CharField()),
                    "warnings": serializers.ListField(
                        child=serializers.CharField(), help_text="Not blocking: a darker phototype, for instance."
                    ),
                    "warning_codes": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
    )
    def get(self, request, pk):
        patient = _patient(request.user, pk)
        query = EligibilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        procedure = services.procedures_by_slugs([query.validated_data["procedure"]])[0]

        when = query.validated_data.get("date") or timezone.localdate(timezone=patient.home_location.tz)
        answer = eligibility(patient=patient, procedure=procedure, when=when).as_dict()
        audit_record(
            request=request,
            action=Action.VIEW,
            patient=patient,
            record_type="procedures.eligibility",
            detail={"eligibility": procedure.slug, "date": str(when), "eligible": answer["eligible"]},
        )
        return Response(answer)

"""The waiting list over the API, for the front desk: list, add, withdraw (errors as JSON with a code)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Location
from audit.services import audit_list_read
from core import dates
from core.policy import api_permission
from patients.models import Patient
from patients.selectors import patients_visible_to
from procedures.models import Procedure

from .models import OfferStatus, WaitlistStatus, WaitlistVia
from .planner import MOST_SESSIONS
from .services.waitlist import waitlist_entry_create, waitlist_entry_withdraw
from .waitlist_selectors import waitlist_entry_get_for_user, waitlist_visible_to

SHOWN = 500


class OfferOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    clinician = serializers.IntegerField(source="clinician_id")
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class EntryOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    procedure = serializers.IntegerField(source="procedure_id")
    location = serializers.IntegerField(source="location_id")
    clinician = serializers.IntegerField(source="clinician_id", allow_null=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(), help_text="0 is Monday; empty: any day.")
    time_from = serializers.TimeField(allow_null=True)
    time_to = serializers.TimeField(allow_null=True)
    earliest_on = serializers.DateField()
    latest_on = serializers.DateField()
    sessions = serializers.IntegerField()
    status = serializers.ChoiceField(choices=WaitlistStatus.choices)
    via = serializers.ChoiceField(choices=WaitlistVia.choices)
    created_at = serializers.DateTimeField()
    course = serializers.IntegerField(source="course_id", allow_null=True)
    replaces = serializers.IntegerField(
        source="replaces_id",
        allow_null=True,
        help_text="A course's own replacement: the cancelled session it replaces (offered freed times first).",
    )
    offers = OfferOutSerializer(source="offers.all", many=True)


class EntryInSerializer(serializers.Serializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.none())
    procedure = serializers.PrimaryKeyRelatedField(queryset=Procedure.objects.filter(active=True))
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(groups__name="clinician", is_active=True),
        required=False,
        allow_null=True,
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, default=list, max_length=7
    )
    time_from = serializers.TimeField(required=False, allow_null=True)
    time_to = serializers.TimeField(required=False, allow_null=True)
    earliest_on = dates.PlausibleDateSerializerField(plausible=dates.BOOKING)
    latest_on = dates.PlausibleDateSerializerField(plausible=dates.BOOKING)
    sessions = serializers.IntegerField(min_value=1, max_value=MOST_SESSIONS, required=False, allow_null=True)

    def __init__(self, *args, user=None, **kwargs):  # the schema makes one without a user
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["patient"].queryset = patients_visible_to(user)


class WaitlistApi(APIView):
    permission_classes = [api_permission("waitlist.manage")]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=WaitlistStatus.values, description="Default: waiting."),
            OpenApiParameter("location", int),
        ],
        responses={200: EntryOutSerializer(many=True)},
    )
    def get(self, request):
        wanted = request.query_params.get("status", WaitlistStatus.WAITING)
        if wanted not in WaitlistStatus.values:
            raise serializers.ValidationError({"status": ["Unknown status."]}, code="invalid_choice")
        location = request.query_params.get("location", "")
        entries = list(
            waitlist_visible_to(request.user, status=wanted, location_id=int(location) if location.isdigit() else None)[
                :SHOWN
            ]
        )
        audit_list_read(
            request=request,
            record_type="scheduling.waitlistentry",
            ids=[e.pk for e in entries],
            patient_ids=[e.patient_id for e in entries],
        )
        return Response(EntryOutSerializer(entries, many=True).data)

    @extend_schema(request=EntryInSerializer, responses={201: EntryOutSerializer})
    def post(self, request):
        data = EntryInSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        entry = waitlist_entry_create(actor=request.user, request=request, **data.validated_data)
        entry = waitlist_entry_get_for_user(request.user, entry.pk)
        return Response(EntryOutSerializer(entry).data, status=status.HTTP_201_CREATED)


class WaitlistWithdrawApi(APIView):
    permission_classes = [api_permission("waitlist.manage")]

    @extend_schema(request=None, responses={200: EntryOutSerializer})
    def post(self, request, pk):
        entry = waitlist_entry_get_for_user(request.user, pk)
        waitlist_entry_withdraw(actor=request.user, entry=entry, request=request)
        return Response(EntryOutSerializer(waitlist_entry_get_for_user(request.user, pk)).data)

"""The liquid-nitrogen API: each dewar's forecast, and a new reading."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import dates
from core.policy import api_permission

from .dewars import dewar_get_for_user, dewar_states, dewars_for_user
from .models import ReadingKind
from .services.dewars import nitrogen_reading_record


class DayOutSerializer(serializers.Serializer):
    day = serializers.DateField()
    sessions = serializers.IntegerField()
    used = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Litres, cool-down included.")
    lost = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Litres lost by evaporation.")
    level = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Litres at the end of the day.")
    under_reserve = serializers.BooleanField()
    dry = serializers.BooleanField()


class ReadingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReadingKind.choices)
    measured_at = serializers.DateTimeField()
    litres = serializers.DecimalField(max_digits=6, decimal_places=2)


class DewarOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="dewar.pk")
    name = serializers.CharField(source="dewar.resource.name")
    location = serializers.IntegerField(source="dewar.resource.location_id")
    capacity_litres = serializers.DecimalField(source="dewar.capacity_litres", max_digits=6, decimal_places=2)
    reserve_litres = serializers.DecimalField(source="dewar.reserve_litres", max_digits=6, decimal_places=2)
    last_reading = ReadingOutSerializer(source="reading", allow_null=True)
    first_under_reserve = serializers.DateField(source="forecast.first_under_reserve", allow_null=True, default=None)
    first_dry = serializers.DateField(source="forecast.first_dry", allow_null=True, default=None)
    order_by = serializers.DateField(
        source="forecast.order_by",
        allow_null=True,
        default=None,
        help_text="The last day to order a refill so that it comes before the reserve is reached.",
    )
    days = DayOutSerializer(source="forecast.days", many=True, default=list)


class ReadingInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReadingKind.choices)
    litres = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True)
    weight_kg = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="The nitrogen's weight instead of litres (0.81 kg a litre).",
    )
    measured_at = dates.PlausibleDateTimeSerializerField(plausible=dates.BROWSE, required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DewarListApi(APIView):
    permission_classes = [api_permission("nitrogen.view")]

    @extend_schema(responses={200: DewarOutSerializer(many=True)})
    def get(self, request):
        return Response(DewarOutSerializer(dewar_states(dewars_for_user(request.user)), many=True).data)


class DewarReadingApi(APIView):
    permission_classes = [api_permission("nitrogen.record")]

    @extend_schema(request=ReadingInSerializer, responses={201: DewarOutSerializer})
    def post(self, request, pk):
        dewar = dewar_get_for_user(request.user, pk, action="nitrogen.record")
        data = ReadingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        nitrogen_reading_record(actor=request.user, request=request, dewar=dewar, **data.validated_data)
        return Response(DewarOutSerializer(dewar_states([dewar])[0]).data, status=status.HTTP_201_CREATED)

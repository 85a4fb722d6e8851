from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, pagination, serializers
from rest_framework.response import Response

from accounts.locations import location_ids_of
from accounts.models import Location
from audit.models import Action
from audit.services import audit_list_read, audit_record
from core.policy import api_permission

from .models import EDITABLE_FIELDS, Patient
from .selectors import patient_get_for_user, patient_search, patients_visible_to
from .services import patient_register, patient_update


class PatientSerializer(serializers.ModelSerializer):
    phone = PhoneNumberField(region="RU")
    home_location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())

    class Meta:
        model = Patient
        fields = ["id", *EDITABLE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:  # a patient is registered at, or moved to, one of the user's locations
            current = getattr(self.instance, "home_location_id", None)
            ids = location_ids_of(request.user) | ({current} if current else set())
            fields["home_location"].queryset = Location.objects.filter(pk__in=ids)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phone"] = instance.phone.as_e164 if instance.phone else ""
        return data


class PatientCreateSerializer(PatientSerializer):
    confirm_duplicate = serializers.BooleanField(
        default=False, write_only=True, help_text="Register even though a likely duplicate exists."
    )

    class Meta(PatientSerializer.Meta):
        fields = [*PatientSerializer.Meta.fields, "confirm_duplicate"]


class SearchPagination(pagination.LimitOffsetPagination):
    """limit and offset as elsewhere, but no total: `next` says whether more match (a count would read them all)."""

    max_limit = 200
    max_offset = 10_000  # the list page stops at page 20 (1,000 patients): narrow the search instead

    def paginate_search(self, request, search):
        """The page `search(offset=, limit=)` gives for the request's limit and offset."""
        self.request, self.limit, self.offset = request, self.get_limit(request), self.get_offset(request)
        if self.offset > self.max_offset:  # PostgreSQL's OFFSET is a bigint: 10**19 was a 500
            message = _("Page through at most %(n)s patients: narrow the search instead.") % {"n": self.max_offset}
            raise serializers.ValidationError({"offset": [message]}, code="offset_too_large")
        self.page = search(offset=self.offset, limit=self.limit)
        return self.page.patients

    def get_next_link(self):
        if not self.page.has_next:
            return None
        return self._link(self.offset + self.limit)

    def _link(self, offset: int):
        url = pagination.replace_query_param(self.request.build_absolute_uri(), self.limit_query_param, self.limit)
        if offset <= 0:
            return pagination.remove_query_param(url, self.offset_query_param)
        return pagination.replace_query_param(url, self.offset_query_param, offset)

    def get_previous_link(self):
        return self._link(max(self.offset - self.limit, 0)) if self.offset > 0 else None

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        full = super().get_paginated_response_schema(schema)
        full["properties"].pop("count")
        full["required"] = ["results"]
        return full


class PatientListCreateApi(generics.ListCreateAPIView):
    permission_classes = [api_permission("patient.register", safe="patient.view")]
    pagination_class = SearchPagination

    def get_serializer_class(self):
        return PatientCreateSerializer if self.request.method == "POST" else PatientSerializer

    def get_queryset(self):
        return patients_visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="The name's start, or any part of it (names that start with it come first), "
                "or the phone in any format",
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        query = request.query_params.get("q", "")[:100]
        patients = self.paginator.paginate_search(
            request, lambda **page: patient_search(query=query, user=request.user, **page)
        )
        audit_list_read(request=request, record_type="patients.patient", ids=[p.pk for p in patients])
        return self.get_paginated_response(self.get_serializer(patients, many=True).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        confirm = data.pop("confirm_duplicate", False)
        serializer.instance = patient_register(
            actor=self.request.user, request=self.request, confirm_duplicate=confirm, **data
        )


class PatientDetailApi(generics.RetrieveUpdateAPIView):
    permission_classes = [api_permission("patient.edit", safe="patient.view")]
    serializer_class = PatientSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return patient_get_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        audit_record(request=request, action=Action.VIEW, patient=patient, record=patient)
        return Response(self.get_serializer(patient).data)

    def perform_update(self, serializer):
        serializer.instance = patient_update(
            actor=self.request.user, request=self.request, patient=serializer.instance, **serializer.validated_data
        )

"""/api/v1/me/…: the signed-in patient's own sessions and courses. Nobody else's is ever found (404)."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Conflict
from core.policy import api_permission
from scheduling.progress import progress_by_course, session_numbers
from scheduling.services import can_change_online, session_cancel_by_patient, session_confirm_by_patient

from . import selectors, services


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()


class MySessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    procedure = serializers.CharField(source="course.procedure.name")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()
    confirmed = serializers.SerializerMethodField()
    clinician = serializers.CharField()
    location = PlaceSerializer()
    number = serializers.SerializerMethodField(help_text="[n, of]: session n of the course's m; null if cancelled")
    can_cancel = serializers.SerializerMethodField()
    preparation = serializers.CharField(source="course.procedure.preparation")

    def get_confirmed(self, obj) -> bool:
        return obj.confirmed_at is not None

    def get_number(self, obj) -> list[int] | None:
        number = self.context["numbers"].get(obj.pk)
        return list(number) if number else None

    def get_can_cancel(self, obj) -> bool:
        return can_change_online(obj, self.context["now"])


class MyCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="course.id")
    procedure = serializers.CharField(source="course.procedure.name")
    status = serializers.CharField(source="course.status")
    completed = serializers.IntegerField()
    total = serializers.IntegerField()
    total_price = serializers.DecimalField(source="course.total_price", max_digits=10, decimal_places=2)
    sessions = serializers.SerializerMethodField()

    @extend_schema_field(MySessionSerializer(many=True))
    def get_sessions(self, obj) -> list[dict]:
        return MySessionSerializer(obj.sessions, many=True, context=self.context).data


class MeSessionsApi(APIView):
    """The signed-in patient's sessions, all of them, in time order."""

    permission_classes = [api_permission("portal.use")]

    @extend_schema(responses={200: MySessionSerializer(many=True)})
    def get(self, request):
        patient = services.own_patient(request.user)
        sessions = selectors.patient_sessions(patient) if patient else []
        context = {"numbers": session_numbers(sessions), "now": timezone.now()}
        return Response(MySessionSerializer(sessions, many=True, context=context).data)


class MeCoursesApi(APIView):
    """The signed-in patient's courses with progress (completed of total) and their sessions."""

    permission_classes = [api_permission("portal.use")]

    @extend_schema(responses={200: MyCourseSerializer(many=True)})
    def get(self, request):
        patient = services.own_patient(request.user)
        sessions = selectors.patient_sessions(patient) if patient else []
        progress = progress_by_course(sessions)
        context = {"numbers": session_numbers(sessions), "now": timezone.now()}
        return Response(MyCourseSerializer(progress, many=True, context=context).data)


class _OwnSessionAction(APIView):
    permission_classes = [api_permission("portal.use")]
    service = None  # a scheduling service taking (session=, request=)

    @extend_schema(
        request=None,
        responses={
            200: MySessionSerializer,
            409: OpenApiResponse(
                description="not_scheduled, or too_late to change online (the message gives the phone)."
            ),
        },
    )
    def post(self, request, pk):
        session = services.own_session(request.user, pk)
        try:
            self.service(session=session, request=request)
        except ValidationError as error:
            raise Conflict(" ".join(error.messages), code=error.code or "conflict") from error
        session = services.own_session(request.user, pk)
        course_sessions = selectors.patient_sessions(session.patient, course_id=session.course_id)
        context = {"numbers": session_numbers(course_sessions), "now": timezone.now()}
        return Response(MySessionSerializer(session, context=context).data)


class MeSessionConfirmApi(_OwnSessionAction):
    """Confirm attendance. 409 not_scheduled for a cancelled or past session."""

    service = staticmethod(session_confirm_by_patient)


class MeSessionCancelApi(_OwnSessionAction):
    """Cancel within the notice policy. 409 too_late after it (the message gives the phone)."""

    service = staticmethod(session_cancel_by_patient)

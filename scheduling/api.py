import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.locations import user_works_at
from accounts.models import Location
from audit.services import audit_sessions_read
from consents import services as consent_services
from consents.selectors import SIGNED, patient_form_statuses
from core import dates
from core.api import Conflict
from core.net import client_ip
from core.policy import api_permission
from patients.models import Patient
from patients.selectors import patients_visible_to
from procedures.models import Procedure

from . import selectors, services
from .api_serializers import (
    MOVE_ANSWER,
    BookingRequestReceivedSerializer,
    CalendarSerializer,
    ConsentLinkInSerializer,
    ConsentLinkSentSerializer,
    CourseDetailSerializer,
    CourseOutSerializer,
    CoursePreviewSerializer,
    course_consents,
)
from .models import BookingRequest, SkinTreatment
from .planner import MOST_SESSIONS, course_price


class VisiblePatientField(serializers.PrimaryKeyRelatedField):
    """A patient id the caller may see (accounts.locations); any other reads as unknown (400)."""

    def get_queryset(self):
        return patients_visible_to(self.context["request"].user).select_related("home_location")


def require_works_at(user, location) -> None:
    """403 when a request names a location the user does not work at."""
    if not user_works_at(user, location):
        raise PermissionDenied(_("You do not work at this location."))


def course_response(course_id: int, code=status.HTTP_200_OK) -> Response:
    course, sessions = selectors.course_with_sessions(course_id)
    return Response(CourseOutSerializer(course, context={"sessions": sessions}).data, status=code)


class PrecedingTreatmentInSerializer(serializers.Serializer):
    """The laser, peel or microdermabrasion a course follows (needed where the procedure says so)."""

    kind = serializers.ChoiceField(choices=SkinTreatment.choices)
    other = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    date = dates.PlausibleDateSerializerField(plausible=dates.BROWSE, help_text="The location's local day.")
    done_elsewhere = serializers.BooleanField(required=False, default=False)


def preceding_treatment(data) -> services.PrecedingTreatment | None:
    """The validated preceding_treatment of an In serializer, as the services take it."""
    v = data.validated_data.get("preceding_treatment")
    if not v:
        return None
    return services.PrecedingTreatment(v["kind"], v["date"], v["other"], v["done_elsewhere"])


TREATMENT_HELP = "Post-procedure cryotherapy: the laser, peel or microdermabrasion it follows."


class PlanInSerializer(serializers.Serializer):
    patient = VisiblePatientField(queryset=Patient.objects.all())
    procedure = serializers.SlugRelatedField(slug_field="slug", queryset=Procedure.objects.filter(active=True))
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    count = serializers.IntegerField(min_value=1, max_value=MOST_SESSIONS)
    first_day = dates.PlausibleDateSerializerField(plausible=dates.BOOKING)
    preferred_time = serializers.TimeField(required=False, allow_null=True, default=None)
    window_from = serializers.TimeField(required=False, allow_null=True, default=None)
    window_to = serializers.TimeField(required=False, allow_null=True, default=None)
    clinician = serializers.IntegerField(required=False, allow_null=True, default=None)
    combined_procedure = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Procedure.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="A combined visit: each session gets one of this procedure the same day.",
    )
    combined_count = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MOST_SESSIONS,
        help_text="Sessions of the combined procedure, when its course has a count of its own.",
    )
    preceding_treatment = PrecedingTreatmentInSerializer(
        required=False, allow_null=True, default=None, help_text=TREATMENT_HELP
    )


def _proposed(s) -> dict:
    """One proposed session as the preview shows it (a course's, or its combined procedure's)."""
    return {
        "number": s.number,
        "start": s.start,
        "end": s.end,
        "clinician": {"id": s.clinician_id, "name": s.clinician_name},
        "rooms": s.resource_names,
        "ineligible": s.ineligible,
    }


class CoursePreviewApi(APIView):
    permission_classes = [api_permission("booking.manage")]

    @extend_schema(request=PlanInSerializer, responses={200: CoursePreviewSerializer})
    def post(self, request):
        data = PlanInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        require_works_at(request.user, v["location"])
        plan = services.course_preview(
            patient=v["patient"],
            procedure=v["procedure"],
            location=v["location"],
            count=v["count"],
            first_day=v["first_day"],
            preferred_time=v["preferred_time"],
            window=(v["window_from"], v["window_to"]),
            clinician_id=v["clinician"],
            combined_procedure=v["combined_procedure"],
            combined_count=v["combined_count"],
            preceding_treatment=preceding_treatment(data),
        )
        return Response(
            {
                "bookable": plan.bookable,
                "problems": plan.problems,
                "warnings": plan.warnings,
                "outside_healing_phase": plan.outside_healing_phase,
                "price": str(
                    course_price(v["procedure"].price_per_session, v["count"], v["procedure"].course_discount_percent)
                ),
                "sessions": [
                    {
                        **_proposed(s),
                        "moved_from": s.moved_from,
                        "notes": s.notes,
                        "combined": _proposed(s.companion) if s.companion else None,
                    }
                    for s in plan.sessions
                ],
                "combined_rest": [_proposed(s) for s in plan.companion_rest],
            }
        )


class SessionInSerializer(serializers.Serializer):
    start = dates.PlausibleDateTimeSerializerField(plausible=dates.BOOKING)
    clinician = serializers.IntegerField()


class BookInSerializer(serializers.Serializer):
    patient = VisiblePatientField(queryset=Patient.objects.all())
    procedure = serializers.SlugRelatedField(slug_field="slug", queryset=Procedure.objects.filter(active=True))
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    sessions = SessionInSerializer(
        many=True,
        min_length=1,
        max_length=MOST_SESSIONS,
        error_messages={
            "min_length": gettext_lazy("Give at least one session."),
            "max_length": gettext_lazy("Give no more than {max_length} sessions."),
            "not_a_list": gettext_lazy("Give the sessions as a list."),
        },
    )
    combined_procedure = serializers.SlugRelatedField(
        slug_field="slug", queryset=Procedure.objects.filter(active=True), required=False, allow_null=True, default=None
    )
    combined_sessions = SessionInSerializer(
        many=True,
        required=False,
        default=list,
        max_length=MOST_SESSIONS,
        error_messages={
            "max_length": gettext_lazy("Give no more than {max_length} sessions."),
            "not_a_list": gettext_lazy("Give the sessions as a list."),
        },
        help_text="The combined procedure's own sessions after the shared visits (see the preview's combined_rest).",
    )
    preceding_treatment = PrecedingTreatmentInSerializer(
        required=False, allow_null=True, default=None, help_text=TREATMENT_HELP
    )
    acknowledge_outside_healing_phase = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Book although the first session is after the healing phase (else 400 outside_healing_phase).",
    )


def booking_conflict(conflict: services.BookingConflict) -> Conflict:
    """409 booking_conflict, each clash an object (core.api.ClashSerializer)."""
    clashes = [
        {"session_number": c.number, "start": c.start, "clashes_with": c.clashes_with, "detail": c.message}
        for c in conflict.conflicts
    ]
    return Conflict(str(conflict), code="booking_conflict", conflicts=clashes)


class CourseBookApi(APIView):
    permission_classes = [api_permission("booking.manage")]

    @extend_schema(
        request=BookInSerializer,
        responses={
            201: CourseOutSerializer,
            409: OpenApiResponse(description="booking_conflict: `conflicts` lists each session that clashes."),
        },
    )
    def post(self, request):
        data = BookInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        require_works_at(request.user, v["location"])
        try:
            course = services.course_book(
                actor=request.user,
                request=request,
                patient=v["patient"],
                procedure=v["procedure"],
                location=v["location"],
                specs=[services.SessionSpec(s["start"], s["clinician"]) for s in v["sessions"]],
                combined_procedure=v["combined_procedure"],
                combined_sessions=[services.SessionSpec(s["start"], s["clinician"]) for s in v["combined_sessions"]],
                preceding_treatment=preceding_treatment(data),
                acknowledge_outside_healing_phase=v["acknowledge_outside_healing_phase"],
            )
        except services.BookingConflict as conflict:
            raise booking_conflict(conflict) from None
        return course_response(course.pk, status.HTTP_201_CREATED)


class CourseDetailApi(APIView):
    permission_classes = [api_permission("booking.view")]

    @extend_schema(responses={200: CourseDetailSerializer})
    def get(self, request, pk):
        selectors.course_get_for_user(request.user, pk)
        course, sessions = selectors.course_with_sessions(pk)
        consents = course_consents(patient_form_statuses(course.patient, procedure_ids=[course.procedure_id]))
        return Response(CourseDetailSerializer(course, context={"sessions": sessions, "consents": consents}).data)


class CourseConsentLinkApi(APIView):
    """Send the patient the link to sign the course's consent form at home, as the course page does."""

    permission_classes = [api_permission("consent.send")]

    @extend_schema(
        request=ConsentLinkInSerializer,
        responses={
            202: ConsentLinkSentSerializer,
            409: OpenApiResponse(
                description="no_form: the procedure has no consent form; already_signed: the consent is in force."
            ),
        },
    )
    def post(self, request, pk):
        course = selectors.course_get_for_user(request.user, pk, action="consent.send")
        data = ConsentLinkInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = patient_form_statuses(course.patient, procedure_ids=[course.procedure_id])
        if not rows:
            raise Conflict(_("No consent form is set up for this procedure."), code="no_form")
        if rows[0].state == SIGNED:
            raise Conflict(_("The patient's consent to this procedure is already signed."), code="already_signed")
        link = consent_services.signing_link_send(
            actor=request.user,
            patient=course.patient,
            template=rows[0].template,
            channel=data.validated_data["channel"],
            request=request,
        )
        answer = {"form": rows[0].template.pk, "channel": link.channel, "expires_at": link.expires_at}
        return Response(ConsentLinkSentSerializer(answer).data, status=status.HTTP_202_ACCEPTED)


class MoveInSerializer(serializers.Serializer):
    start = dates.PlausibleDateTimeSerializerField(plausible=dates.BOOKING)
    shift_following = serializers.BooleanField(
        default=False, help_text="Re-plan the later sessions of the course after this one, by the course's rules."
    )
    preview = serializers.BooleanField(default=False, help_text="Answer with the proposal and write nothing.")
    expected = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20000,
        help_text="The fingerprint of a preview: the move applies only if the proposal is still the same.",
    )


def proposal_response(proposal) -> Response:
    def one(p):
        return {
            "session": p.session_id,
            "number": p.number,
            "old_start": p.old_start,
            "start": p.start,
            "end": p.end,
            "clinician": {"id": p.clinician_id, "name": p.clinician_name} if p.clinician_id else None,
            "rooms": p.resource_names,
            "problem": p.problem,
            "ineligible": p.ineligible,
        }

    return Response(
        {
            "ok": proposal.ok,
            "problems": proposal.all_problems,
            "fingerprint": proposal.fingerprint(),
            "sessions": [
                {**one(p), "combined": one(p.partner) if p.partner else None} for p in proposal.replan.placements
            ],
        }
    )


class SessionMoveApi(APIView):
    permission_classes = [api_permission("booking.manage")]

    @extend_schema(
        request=MoveInSerializer,
        responses={
            200: OpenApiResponse(MOVE_ANSWER, description="The course as moved; with `preview`, the proposal."),
            409: OpenApiResponse(description="booking_conflict: another booking took a time as it was written."),
        },
    )
    def post(self, request, pk):
        session = selectors.session_get_for_user(request.user, pk, action="booking.manage")
        data = MoveInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["preview"]:
            with timezone.override(session.course.location.tz):
                proposal = services.session_move_proposal(
                    session=session, new_start=v["start"], shift_following=v["shift_following"]
                )
            return proposal_response(proposal)
        try:
            services.session_move(
                actor=request.user,
                request=request,
                session=session,
                new_start=v["start"],
                shift_following=v["shift_following"],
                expected=v.get("expected") or None,
            )
        except services.BookingConflict as conflict:
            raise booking_conflict(conflict) from None
        return course_response(session.course_id)


class ReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class SessionCancelApi(APIView):
    permission_classes = [api_permission("booking.manage")]

    @extend_schema(request=ReasonInSerializer, responses={200: CourseOutSerializer})
    def post(self, request, pk):
        session = selectors.session_get_for_user(request.user, pk, action="booking.manage")
        data = ReasonInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_cancel(
            actor=request.user, request=request, session=session, reason=data.validated_data["reason"]
        )
        return course_response(session.course_id)


class CalendarQuerySerializer(serializers.Serializer):
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    date = dates.PlausibleDateSerializerField(plausible=dates.BROWSE)
    view = serializers.ChoiceField(choices=["day", "week"], default="day")


class CalendarApi(APIView):
    permission_classes = [api_permission("calendar.view")]

    @extend_schema(
        parameters=[
            OpenApiParameter("location", int, required=True),
            OpenApiParameter("date", datetime.date, required=True),
            OpenApiParameter("view", str, enum=["day", "week"]),
        ],
        responses={200: CalendarSerializer},
    )
    def get(self, request):
        query = CalendarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        require_works_at(request.user, v["location"])
        grid = selectors.calendar(location=v["location"], day=v["date"], view=v["view"])
        audit_sessions_read(request=request, sessions=grid["sessions"])
        return Response(
            {
                "location": v["location"].pk,
                "time_zone": v["location"].time_zone,
                "first_day": grid["first"],
                "sessions": [
                    {
                        "id": s.id,
                        "start": s.start_at,
                        "end": s.end_at,
                        "status": s.status,
                        "sequence": s.sequence,
                        "clinician": {"id": s.clinician_id, "name": s.clinician},
                        "rooms": [{"id": rid, "name": name} for rid, name in s.rooms],
                        "patient": {"id": s.patient_id, "name": s.patient},
                        "procedure": s.procedure_slug,
                        "course": s.course_id,
                    }
                    for s in grid["sessions"]
                ],
            }
        )


class BookingRequestInSerializer(serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(
        slug_field="slug", queryset=Procedure.objects.filter(active=True), required=False, allow_null=True
    )
    website = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="Honeypot: leave empty."
    )

    class Meta:
        model = BookingRequest
        fields = ["name", "phone", "procedure", "preferred_time", "message", "website"]


class BookingRequestApi(APIView):
    """The public request form of the clinic's website, as an API: no login; the page's limit per IP (429)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=BookingRequestInSerializer,
        responses={
            202: BookingRequestReceivedSerializer,
            429: OpenApiResponse(description="throttled: the limit of requests from this address."),
        },
    )
    def post(self, request):
        data = BookingRequestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if fields.pop("website", ""):
            return Response({"status": "received"}, status=status.HTTP_202_ACCEPTED)
        try:
            services.booking_request_submit(data=fields, ip=client_ip(request))
        except ValidationError as error:
            if getattr(error, "code", None) == "throttled":
                raise Throttled(detail=error.messages[0], wait=3600) from None
            raise
        return Response({"status": "received", "received_at": timezone.now()}, status=status.HTTP_202_ACCEPTED)

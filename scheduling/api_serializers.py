"""What the scheduling API answers, as serializers: the OpenAPI schema's typed answers.

The course and its sessions are serialized from the models; the preview, the move proposal and
the calendar are built as plain dicts by the views (their sources are planner dataclasses and the
calendar's plain rows), and these serializers describe them for the schema.
"""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from .models import Course, Session


class RefSerializer(serializers.Serializer):
    """A clinician, a room/device, a patient: its id and its name."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class SessionOutSerializer(serializers.ModelSerializer):
    clinician = serializers.SerializerMethodField()
    rooms = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "start", "end", "status", "clinician", "rooms", "sequence"]

    @extend_schema_field(RefSerializer)
    def get_clinician(self, obj) -> dict:
        return {"id": obj.clinician_id, "name": str(obj.clinician)}

    @extend_schema_field(RefSerializer(many=True))
    def get_rooms(self, obj) -> list[dict]:
        return [{"id": b.resource_id, "name": b.resource.name} for b in obj.bookings.all() if b.active]


class PrecedingTreatmentOutSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="laser, peel, microdermabrasion or other.")
    name = serializers.CharField(help_text="The kind in words, or the treatment named when other.")
    date = serializers.DateField(help_text="The location's local day.")
    done_elsewhere = serializers.BooleanField()
    healing_phase_until = serializers.DateField(help_text="Its last day, in the location's days.")
    summary = serializers.CharField(help_text="As the course page shows it.")


class CourseOutSerializer(serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sessions = serializers.SerializerMethodField()
    preceding_treatment = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "id",
            "patient",
            "procedure",
            "location",
            "status",
            "session_count",
            "price_per_session",
            "discount_percent",
            "total_price",
            "cancel_reason",
            "created_at",
            "preceding_treatment",
            "sessions",
        ]

    @extend_schema_field(PrecedingTreatmentOutSerializer(allow_null=True))
    def get_preceding_treatment(self, obj) -> dict | None:
        if not obj.preceding_kind:
            return None
        return PrecedingTreatmentOutSerializer(
            {
                "kind": obj.preceding_kind,
                "name": obj.preceding_name,
                "date": obj.preceding_date,
                "done_elsewhere": obj.preceding_elsewhere,
                "healing_phase_until": obj.healing_phase_until,
                "summary": obj.preceding_summary,
            }
        ).data

    @extend_schema_field(SessionOutSerializer(many=True))
    def get_sessions(self, obj) -> list[dict]:
        return SessionOutSerializer(self.context["sessions"], many=True).data


class ProposedVisitSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    clinician = RefSerializer()
    rooms = serializers.ListField(child=serializers.CharField(), help_text="Rooms and devices, by name.")
    ineligible = serializers.ListField(
        child=serializers.CharField(), help_text="Why the patient may not have it then (empty: may)."
    )


class ProposedSessionSerializer(ProposedVisitSerializer):
    moved_from = serializers.DateField(allow_null=True, help_text="The ideal day it could not have, if any.")
    notes = serializers.ListField(child=serializers.CharField(), help_text="Why the days before did not work.")
    combined = ProposedVisitSerializer(allow_null=True, help_text="The combined procedure's part of the visit.")


class CoursePreviewSerializer(serializers.Serializer):
    bookable = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="What does not stop the booking: a darker phototype, a late start."
    )
    outside_healing_phase = serializers.BooleanField(
        help_text="The first session is after the healing phase: booking needs acknowledge_outside_healing_phase."
    )
    price = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="The whole course, discount applied.")
    sessions = ProposedSessionSerializer(many=True)
    combined_rest = ProposedVisitSerializer(
        many=True, help_text="The combined procedure's sessions after the last shared visit."
    )


class PlacementSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    number = serializers.IntegerField()
    old_start = serializers.DateTimeField()
    start = serializers.DateTimeField(allow_null=True, help_text="null: it could not be placed (see problem).")
    end = serializers.DateTimeField(allow_null=True)
    clinician = RefSerializer(allow_null=True)
    rooms = serializers.ListField(child=serializers.CharField())
    problem = serializers.CharField(allow_blank=True)
    ineligible = serializers.ListField(child=serializers.CharField())


class ProposedPlacementSerializer(PlacementSerializer):
    combined = PlacementSerializer(allow_null=True)


class MoveProposalSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    fingerprint = serializers.CharField(help_text="Send it back as `expected` to apply exactly this proposal.")
    sessions = ProposedPlacementSerializer(many=True)


MOVE_ANSWER = PolymorphicProxySerializer(
    component_name="MoveAnswer",
    serializers=[CourseOutSerializer, MoveProposalSerializer],
    resource_type_field_name=None,
    many=False,
)


class CalendarSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()
    sequence = serializers.IntegerField()
    clinician = RefSerializer()
    rooms = RefSerializer(many=True)
    patient = RefSerializer()
    procedure = serializers.CharField(help_text="The procedure's slug.")
    course = serializers.IntegerField()


class CalendarSerializer(serializers.Serializer):
    location = serializers.IntegerField()
    time_zone = serializers.CharField()
    first_day = serializers.DateField()
    sessions = CalendarSessionSerializer(many=True)


class BookingRequestReceivedSerializer(serializers.Serializer):
    status = serializers.CharField()
    received_at = serializers.DateTimeField(required=False)


# ---------------------------------------------------------------- consents (a block of its own)
# The course detail adds the consent state of the forms its procedure needs (consents.selectors);
# CourseDetailSerializer extends CourseOutSerializer so the course's own fields stay in one place.

CONSENT_STATES = ["signed", "missing", "refused", "withdrawn", "outdated"]
REQUIRED_BEFORE = {"booking": "booking", "session": "first_session"}  # Procedure.consent_required -> API


class CourseConsentSerializer(serializers.Serializer):
    form = serializers.IntegerField(help_text="The consent form's id.")
    title = serializers.CharField(help_text="The form's title, in the request's language.")
    state = serializers.ChoiceField(
        choices=CONSENT_STATES,
        help_text="The patient's latest decision: signed; missing (none yet); refused; withdrawn; "
        "outdated (signed under a version that asked for a new signature).",
    )
    since = serializers.DateTimeField(allow_null=True, help_text="When that decision was made (null: missing).")
    required_before = serializers.ChoiceField(
        choices=list(REQUIRED_BEFORE.values()),
        allow_null=True,
        help_text="When the procedure needs it signed: before booking, before the first session; null: not needed.",
    )
    consent = serializers.IntegerField(allow_null=True, help_text="The latest signature or refusal (null: none).")


def course_consents(rows) -> list[dict]:
    """consents.selectors.FormStatus rows as CourseConsentSerializer's fields."""
    return [
        {
            "form": row.template.pk,
            "title": row.template.title,
            "state": row.state,
            "since": row.since,
            "required_before": REQUIRED_BEFORE.get(row.required),
            "consent": row.consent.pk if row.consent is not None else None,
        }
        for row in rows
    ]


class CourseDetailSerializer(CourseOutSerializer):
    consents = serializers.SerializerMethodField()

    class Meta(CourseOutSerializer.Meta):
        fields = [*CourseOutSerializer.Meta.fields, "consents"]

    @extend_schema_field(CourseConsentSerializer(many=True))
    def get_consents(self, obj) -> list[dict]:
        return CourseConsentSerializer(self.context["consents"], many=True).data


class ConsentLinkInSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=["sms", "email"], help_text="How the patient gets the link.")


class ConsentLinkSentSerializer(serializers.Serializer):
    form = serializers.IntegerField()
    channel = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="Until when the link works.")

"""The money of a course over the API: its balance, payments and refunds; a patient's own balance.

Registrars read and write (billing.view, billing.manage); clinicians get 403; a patient reads the
balance of her own courses only (portal.use; another patient's course is 404).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.policy import api_permission
from scheduling.models import Course, Session
from scheduling.selectors import course_get_for_user

from . import selectors, services
from .models import Method, ReceiptKind, ReceiptStatus
from .money import RUB, parse_amount

MONEY = {"help_text": 'Roubles and kopecks as a string: "4500.00".'}


@extend_schema_field(OpenApiTypes.DECIMAL)
class AmountField(serializers.Field):
    """An amount as a string or a number ("4500.50", 4500.5); its rules are the service's."""

    default_error_messages = {"invalid": services.AMOUNT_HELP}

    def to_internal_value(self, data):
        amount = parse_amount(data) if isinstance(data, (str, int, float)) and not isinstance(data, bool) else None
        if amount is None:
            self.fail("invalid")
        return amount

    def to_representation(self, value):
        return f"{value:.2f}"


class ReceiptOutSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReceiptKind.choices)
    status = serializers.ChoiceField(choices=ReceiptStatus.choices)
    provider_id = serializers.CharField(help_text="The cash register's id for the receipt, once it has one.")
    provider_message = serializers.CharField(help_text="The register's words when it refused or failed.")


class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")


class PaymentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, **MONEY)
    currency = serializers.SerializerMethodField()
    method = serializers.ChoiceField(choices=Method.choices)
    session = serializers.IntegerField(source="session_id", allow_null=True)
    taken_at = serializers.DateTimeField()
    registrar = StaffSerializer()
    receipt = ReceiptOutSerializer()

    def get_currency(self, obj) -> str:
        return RUB


class RefundOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, **MONEY)
    currency = serializers.SerializerMethodField()
    method = serializers.ChoiceField(choices=Method.choices)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    registrar = StaffSerializer()
    receipt = ReceiptOutSerializer()

    def get_currency(self, obj) -> str:
        return RUB


class BalanceOutSerializer(serializers.Serializer):
    course = serializers.IntegerField()
    currency = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2, **MONEY)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2, **MONEY)
    refunded = serializers.DecimalField(max_digits=12, decimal_places=2, **MONEY)
    used = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="What the delivered sessions are worth, by the clinic's policy."
    )
    due = serializers.DecimalField(max_digits=12, decimal_places=2, **MONEY)
    credit = serializers.DecimalField(max_digits=12, decimal_places=2, **MONEY)
    refundable = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Paid and not used.")
    sessions_used = serializers.IntegerField()
    sessions_total = serializers.IntegerField()


def balance_response(course) -> Response:
    b = selectors.course_balance(course)
    return Response(
        BalanceOutSerializer(
            {
                "course": course.pk,
                "currency": RUB,
                "price": b.price,
                "paid": b.paid,
                "refunded": b.refunded,
                "used": b.used,
                "due": b.due,
                "credit": b.credit,
                "refundable": b.refundable,
                "sessions_used": b.sessions_used,
                "sessions_total": b.sessions_total,
            }
        ).data
    )


class CourseBalanceApi(APIView):
    permission_classes = [api_permission("billing.view")]

    @extend_schema(responses={200: BalanceOutSerializer})
    def get(self, request, pk):
        return balance_response(course_get_for_user(request.user, pk, action="billing.view"))


class PaymentInSerializer(serializers.Serializer):
    amount = AmountField(help_text='Roubles: "4500.50" (or a number). More than 0, at most what is due.')
    currency = serializers.CharField(default=RUB, help_text="RUB only; anything else is refused (not_roubles).")
    method = serializers.ChoiceField(choices=Method.choices)
    idempotency_key = serializers.RegexField(
        r"^[A-Za-z0-9_-]{16,64}$",
        help_text="A new random key for each payment (16-64 of A-Z a-z 0-9 _ -): sent again, the first payment is "
        "answered (200) and nothing changes.",
    )
    session = serializers.PrimaryKeyRelatedField(queryset=Session.objects.all(), required=False, allow_null=True)


class CoursePaymentsApi(APIView):
    permission_classes = [api_permission("billing.manage", safe="billing.view")]

    @extend_schema(responses={200: PaymentOutSerializer(many=True)})
    def get(self, request, pk):
        course = course_get_for_user(request.user, pk, action="billing.view")
        return Response(PaymentOutSerializer(selectors.course_payments(course), many=True).data)

    @extend_schema(
        request=PaymentInSerializer,
        responses={
            201: PaymentOutSerializer,
            200: OpenApiResponse(PaymentOutSerializer, description="The key was used before: the first payment."),
            400: OpenApiResponse(
                description="course_cancelled, not_positive, too_large, not_roubles, beyond_due, key_reused, invalid."
            ),
        },
    )
    def post(self, request, pk):
        course = course_get_for_user(request.user, pk, action="billing.manage")
        data = PaymentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_take(actor=request.user, course=course, **data.validated_data)
        replayed = getattr(payment, "replayed", False)
        payment = next(p for p in selectors.course_payments(course) if p.pk == payment.pk)
        return Response(
            PaymentOutSerializer(payment).data, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        )


class RefundInSerializer(serializers.Serializer):
    amount = AmountField(help_text="Roubles: at most what was paid and not used (the balance's refundable).")
    method = serializers.ChoiceField(choices=Method.choices, default=Method.CASH)
    reason = serializers.CharField(max_length=500, help_text="Why the money is given back (required).")


class CourseRefundsApi(APIView):
    permission_classes = [api_permission("billing.manage", safe="billing.view")]

    @extend_schema(responses={200: RefundOutSerializer(many=True)})
    def get(self, request, pk):
        course = course_get_for_user(request.user, pk, action="billing.view")
        return Response(RefundOutSerializer(selectors.course_refunds(course), many=True).data)

    @extend_schema(
        request=RefundInSerializer,
        responses={
            201: RefundOutSerializer,
            400: OpenApiResponse(description="beyond_paid, beyond_unused, reason_required, not_positive, invalid."),
        },
    )
    def post(self, request, pk):
        course = course_get_for_user(request.user, pk, action="billing.manage")
        data = RefundInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_make(actor=request.user, course=course, **data.validated_data)
        refund = next(r for r in selectors.course_refunds(course) if r.pk == refund.pk)
        return Response(RefundOutSerializer(refund).data, status=status.HTTP_201_CREATED)


class MeCourseBalanceApi(APIView):
    """The signed-in patient's own course: its balance. Another patient's course is not found."""

    permission_classes = [api_permission("portal.use")]

    @extend_schema(responses={200: BalanceOutSerializer})
    def get(self, request, pk):
        return balance_response(get_object_or_404(Course.objects.filter(patient__user=request.user), pk=pk))

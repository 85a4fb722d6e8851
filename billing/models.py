"""Money taken for courses, money given back, and the fiscal receipt (54-FZ) of each."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# More than any course of the clinic costs: a slip of the keyboard, not a payment.
MAX_AMOUNT = Decimal("1000000.00")
_AMOUNT = dict(max_digits=10, decimal_places=2)


class Method(models.TextChoices):
    CASH = "cash", _("cash")
    CARD = "card", _("card")
    TRANSFER = "transfer", _("bank transfer")
    ONLINE = "online", _("online payment")


class Payment(models.Model):
    """Roubles taken for a course (or one of its sessions). Never edited: a mistake is refunded."""

    course = models.ForeignKey(
        "scheduling.Course", on_delete=models.PROTECT, related_name="payments", verbose_name=_("course")
    )
    session = models.ForeignKey(
        "scheduling.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("session"),
    )
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    method = models.CharField(_("payment method"), max_length=10, choices=Method.choices)
    registrar = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken by")
    )
    location = models.ForeignKey(
        "accounts.Location", on_delete=models.PROTECT, related_name="payments", verbose_name=_("location")
    )
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    # One per rendered payment form: a second submit of the same form finds the first payment.
    idempotency_key = models.CharField(max_length=64, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["taken_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["location", "taken_at"], name="payment_location_taken")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("A payment must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT),
                name="payment_amount_sane",
                violation_error_message=_("A payment cannot exceed 1 000 000 roubles."),
            ),
            models.CheckConstraint(
                condition=Q(idempotency_key__regex=r"^[A-Za-z0-9_-]{16,64}$"),
                name="payment_idempotency_key_set",
                violation_error_message=_("A payment needs the key of the form it was taken with."),
            ),
        ]

    def __str__(self):
        return f"{self.amount} ₽ · {self.get_method_display()} · {self.course}"


class Refund(models.Model):
    """Roubles given back for a course: never more than was paid and not used (the service, a trigger)."""

    course = models.ForeignKey(
        "scheduling.Course", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("course")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds", verbose_name=_("payment")
    )
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    method = models.CharField(_("refund method"), max_length=10, choices=Method.choices, default=Method.CASH)
    reason = models.TextField(_("reason"))
    registrar = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("refunded by")
    )
    location = models.ForeignKey(
        "accounts.Location", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("location")
    )
    created_at = models.DateTimeField(_("refunded at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["location", "created_at"], name="refund_location_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="refund_amount_positive",
                violation_error_message=_("A refund must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT),
                name="refund_amount_sane",
                violation_error_message=_("A refund cannot exceed 1 000 000 roubles."),
            ),
            models.CheckConstraint(
                condition=Q(reason__regex=r"\S"),
                name="refund_reason_given",
                violation_error_message=_("A refund needs a reason."),
            ),
        ]

    def __str__(self):
        return f"−{self.amount} ₽ · {self.course}"


class ReceiptKind(models.TextChoices):
    ADVANCE = "advance", _("advance (prepayment 100%)")
    RETURN = "return", _("return of an advance")
    SETTLEMENT = "settlement", _("full settlement (offsets the advance)")


class ReceiptStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("sending")
    SENT = "sent", _("accepted by the cash register")
    FAILED = "failed", _("refused")


class Receipt(models.Model):
    """A fiscal receipt derived from one payment or refund, sent to the cash register exactly once."""

    kind = models.CharField(_("receipt"), max_length=10, choices=ReceiptKind.choices)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="receipt")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="receipt")
    # A delivered session settles its share of the advance (in parts, if the advance came in parts).
    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="settlement_receipts"
    )
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    status = models.CharField(_("status"), max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A claim lasts until then; a worker that died holding it leaves it to the next run after that.
    claimed_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    provider_id = models.CharField(_("cash register's id"), max_length=100, blank=True)
    provider_message = models.TextField(_("cash register's message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("fiscal receipt")
        verbose_name_plural = _("fiscal receipts")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="receipt_unsent",
                condition=Q(status__in=["pending", "sending"]),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="advance", payment__isnull=False, refund__isnull=True, session__isnull=True)
                | Q(kind="return", payment__isnull=True, refund__isnull=False, session__isnull=True)
                | Q(kind="settlement", payment__isnull=True, refund__isnull=True, session__isnull=False),
                name="receipt_from_one_record",
                violation_error_message=_("A receipt is made from exactly one payment, refund or delivered session."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="receipt_amount_positive",
                violation_error_message=_("A receipt must be for more than zero."),
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="receipt_claim_has_lease",
                violation_error_message=_("A receipt being sent needs the end of its claim."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ₽ · {self.get_status_display()}"

    @property
    def external_id(self) -> str:
        """The id the cash register knows it by: the same on every try, so it fiscalises it once."""
        return f"clinic-receipt-{self.pk}"


class LinkStatus(models.TextChoices):
    PENDING = "pending", _("waiting for payment")
    PAID = "paid", _("paid")
    EXPIRED = "expired", _("expired")
    FAILED = "failed", _("paid, but not recorded")


class PaymentLink(models.Model):
    """A link to the payment provider's page for one amount of a course; paid once, by its webhook."""

    course = models.ForeignKey(
        "scheduling.Course", on_delete=models.PROTECT, related_name="payment_links", verbose_name=_("course")
    )
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    provider_id = models.CharField(_("provider's id"), max_length=100)
    url = models.URLField(_("payment link"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.PENDING)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="link", verbose_name=_("payment")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment link")
        verbose_name_plural = _("payment links")
        constraints = [
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=~Q(provider_id=""),  # blank only while the provider is being asked
                name="payment_link_provider_id_unique",
                violation_error_message=_("The provider gave this id to another payment link."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_link_amount_positive",
                violation_error_message=_("A payment link must be for more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT),
                name="payment_link_amount_sane",
                violation_error_message=_("A payment link cannot exceed 1 000 000 roubles."),
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment__isnull=False, paid_at__isnull=False),
                name="payment_link_paid_has_payment",
                violation_error_message=_("A paid link needs its payment and the time it was paid."),
            ),
        ]

    def __str__(self):
        return f"{self.amount} ₽ · {self.get_status_display()} · {self.course}"

    @property
    def payment_key(self) -> str:
        """The idempotency key of the payment it records: one link, one payment, however many webhooks."""
        return f"online-payment-link-{self.pk}"

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Method
from .money import parse_amount
from .services import AMOUNT_HELP


class AmountField(forms.CharField):
    """Roubles typed as people type them: "4 500", "4500,50" or "4500.50"."""

    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value):
        amount = parse_amount(super().clean(value))
        if amount is None:
            raise ValidationError(AMOUNT_HELP, code="invalid")
        return amount


class PaymentForm(forms.Form):
    amount = AmountField(label=_("Amount, ₽"))
    method = forms.ChoiceField(label=_("Payment method"), choices=Method.choices)
    # A new key each time the form is shown: the same form sent twice is one payment.
    idempotency_key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", widget=forms.HiddenInput)


class RefundForm(forms.Form):
    amount = AmountField(label=_("Amount, ₽"))
    method = forms.ChoiceField(label=_("Refund method"), choices=Method.choices)
    reason = forms.CharField(label=_("Reason for the refund"), max_length=500)


class PaymentLinkForm(forms.Form):
    amount = AmountField(label=_("Amount, ₽"))

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Decision

CHANNELS = [("sms", _("SMS")), ("email", _("E-mail"))]


class InClinicForm(forms.Form):
    """The tablet's form: the version read, then a drawn signature, or a typed name and a tick; the witness."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    text_hash = forms.CharField(max_length=64, widget=forms.HiddenInput)
    signature = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-signature-input": ""}))
    typed_name = forms.CharField(
        label=_("Or type your full name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    ticked = forms.BooleanField(label=_("I confirm that the name typed above is my signature"), required=False)
    witnessed = forms.BooleanField(label=_("I witnessed the patient's decision"), required=False)


class SendLinkForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=CHANNELS, widget=forms.RadioSelect, initial="sms")


class AskCodeForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Send the code by"), choices=CHANNELS, widget=forms.RadioSelect, initial="sms")


class EnterCodeForm(forms.Form):
    code_id = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)
    confirm = forms.BooleanField(label=_("I withdraw this consent"))

from django import forms
from django.utils.translation import gettext_lazy as _


class SignInLinkForm(forms.Form):
    contact = forms.CharField(
        label=_("Phone or email"),
        max_length=254,
        help_text=_("The phone number or email address the clinic has for you."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )


class MoveRequestForm(forms.Form):
    preferred_time = forms.CharField(
        label=_("When would suit you?"),
        max_length=200,
        help_text=_("For example: Thursday after 17:00, or any morning next week."),
    )
    message = forms.CharField(
        label=_("Message to the clinic"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class InviteForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=[("sms", _("SMS")), ("email", _("email"))])

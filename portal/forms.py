from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.contacts import canonical_contact
from reminders.models import Channel
from scheduling.models import WarningSign


class SignInLinkForm(forms.Form):
    contact = forms.CharField(
        label=_("Phone or email"),
        max_length=254,
        help_text=_("The phone number or email address the clinic has for you."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )

    def clean_contact(self):
        # Only the form of the value is judged here, never whether anybody has it.
        value = self.cleaned_data["contact"]
        if canonical_contact(value) is None:
            raise forms.ValidationError(_("Type a phone number or an email address."), code="invalid_contact")
        return value


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
    channel = forms.ChoiceField(label=_("Send by"), choices=[(c.value, c.label) for c in (Channel.SMS, Channel.EMAIL)])


class WarningReportForm(forms.Form):
    """What a patient tells the clinic after a session: the signs, in their words, a photo if they like."""

    signs = forms.MultipleChoiceField(
        label=_("What do you notice?"),
        choices=WarningSign.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one of the signs listed.")},
    )
    text = forms.CharField(
        label=_("Tell us more"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("When it started, where, how strong; anything you have taken or applied."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A JPEG, PNG or WebP picture up to 10 MB. Its location and camera data are removed."),
    )

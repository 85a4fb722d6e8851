"""The form a clinician fills in about a patient's warning report: what was done, and whether it is resolved."""

from django import forms
from django.utils.translation import gettext_lazy as _


class WarningReportActionForm(forms.Form):
    action = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: called the patient, advised a cold compress, booked an examination tomorrow."),
        error_messages={"required": _("Say what was done.")},
    )
    resolved = forms.BooleanField(label=_("The problem is resolved: close the report"), required=False)

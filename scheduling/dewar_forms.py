"""The form for a dewar's reading: after a refill or a weighing, in litres or kilograms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReadingKind


class NitrogenReadingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Reading"), choices=ReadingKind.choices, initial=ReadingKind.WEIGHING)
    litres = forms.DecimalField(
        label=_("Level, litres"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    weight_kg = forms.DecimalField(
        label=_("or the weight of the nitrogen, kg"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        help_text=_("The gross weight minus the empty dewar's; 0.81 kg is one litre."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    measured_at = forms.DateTimeField(
        label=_("Measured at"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("litres") is None and data.get("weight_kg") is None and not self.errors:
            raise forms.ValidationError(_("Give the level in litres or the weight of the nitrogen in kilograms."))
        return data

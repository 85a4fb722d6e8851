from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FitzpatrickType, Procedure, Severity

PRESENT, ABSENT = "present", "absent"


class ProcedureChoiceForm(forms.Form):
    procedures = forms.ModelMultipleChoiceField(
        label=_("Procedures to screen for"),
        queryset=Procedure.objects.filter(active=True),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )


class ScreeningForm(forms.Form):
    """Every contraindication of the chosen procedures, each answered present or absent."""

    indications = forms.MultipleChoiceField(
        label=_("Indications found"), required=False, widget=forms.CheckboxSelectMultiple
    )
    complaints = forms.CharField(
        label=_("Complaints"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    scalp_notes = forms.CharField(
        label=_("Scalp and hair notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    fitzpatrick = forms.TypedChoiceField(label=_("Fitzpatrick skin type"), choices=FitzpatrickType.choices, coerce=int)

    def __init__(self, *args, contraindications, indications, amend: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.contraindications = list(contraindications)
        self.fields["indications"].choices = [(str(i.id), i.name) for i in indications]
        for c in self.contraindications:
            label = c.name if c.severity == Severity.ABSOLUTE else _("%(name)s (relative)") % {"name": c.name}
            self.fields[f"ci_{c.id}"] = forms.ChoiceField(
                label=label,
                choices=[(ABSENT, _("absent")), (PRESENT, _("present"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer present or absent.")},
            )
            if c.severity == Severity.RELATIVE:
                self.fields[f"ci_{c.id}_override"] = forms.CharField(
                    label=_("If present: clear the patient anyway, because"),
                    required=False,
                    max_length=2000,
                )
        if amend:
            self.fields["amendment_reason"] = forms.CharField(
                label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )

    def answers(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {
            c.id: (data[f"ci_{c.id}"] == PRESENT, data.get(f"ci_{c.id}_override", "")) for c in self.contraindications
        }

    def indication_ids(self) -> list[int]:
        return [int(i) for i in self.cleaned_data["indications"]]

    @staticmethod
    def initial_from(screening) -> dict:
        initial = {
            "complaints": screening.complaints,
            "scalp_notes": screening.scalp_notes,
            "fitzpatrick": screening.fitzpatrick,
            "indications": [str(i.id) for i in screening.indications.all()],
        }
        for answer in screening.answers.all():
            initial[f"ci_{answer.contraindication_id}"] = PRESENT if answer.present else ABSENT
            initial[f"ci_{answer.contraindication_id}_override"] = answer.override_reason
        return initial


class IceTestForm(forms.Form):
    performed_at = forms.DateTimeField(
        label=_("Performed at"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    area = forms.CharField(label=_("Area"), max_length=200)
    exposure_seconds = forms.IntegerField(label=_("Exposure, seconds"), min_value=1, max_value=600)
    discomfort = forms.BooleanField(label=_("Discomfort"), required=False)
    redness = forms.BooleanField(label=_("Redness"), required=False)
    itching = forms.BooleanField(label=_("Itching"), required=False)
    other_reaction = forms.CharField(
        label=_("Another reaction"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, amend: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if amend:
            del self.fields["performed_at"]
            self.fields["amendment_reason"] = forms.CharField(
                label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )

    def observations(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in ("area", "exposure_seconds", "discomfort", "redness", "itching", "other_reaction")
        }

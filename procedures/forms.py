from django import forms
from django.utils.translation import gettext_lazy as _

from core import dates

from .models import FitzpatrickType, Procedure, Severity

PRESENT, ABSENT = "present", "absent"


def moment_field(label, **kwargs) -> forms.DateTimeField:
    """A record's time: within core.dates.RECORD (not before 2000, not in the future)."""
    return dates.PlausibleDateTimeField(
        plausible=dates.RECORD,
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **kwargs,
    )


def add_correction_fields(form, name: str, label, previous) -> None:
    """An amendment's reason, and its time: kept unless changed, required when the one on record is odd."""
    form.fields["amendment_reason"] = forms.CharField(
        label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    if previous is None:
        return
    plausible = previous.moment_is_plausible
    form.fields[name] = moment_field(
        label,
        required=not plausible,
        help_text=_("Change it only if it was wrong.")
        if plausible
        else _("The time on record is not plausible: give the right one."),
    )
    if plausible:  # the minute shown, so that sending the form unchanged keeps the time as recorded
        form.initial.setdefault(name, previous.moment.replace(second=0, microsecond=0))


def corrected_moment(form, name: str):
    """The time the correction gives, or None when it keeps the recorded one."""
    return form.cleaned_data.get(name) if name in form.fields and name in form.changed_data else None


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

    def __init__(self, *args, contraindications, indications, amend: bool = False, previous=None, **kwargs):
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
            add_correction_fields(self, "examined_at", _("Examined at"), previous)

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
    performed_at = moment_field(_("Performed at"), required=False, help_text=_("Leave empty for now."))
    area = forms.CharField(label=_("Area"), max_length=200)
    exposure_seconds = forms.IntegerField(label=_("Exposure, seconds"), min_value=1, max_value=600)
    discomfort = forms.BooleanField(label=_("Discomfort"), required=False)
    redness = forms.BooleanField(label=_("Redness"), required=False)
    itching = forms.BooleanField(label=_("Itching"), required=False)
    other_reaction = forms.CharField(
        label=_("Another reaction"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, amend: bool = False, previous=None, **kwargs):
        super().__init__(*args, **kwargs)
        if amend:
            del self.fields["performed_at"]
            add_correction_fields(self, "performed_at", _("Performed at"), previous)

    def observations(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in ("area", "exposure_seconds", "discomfort", "redness", "itching", "other_reaction")
        }

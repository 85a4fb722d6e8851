from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import dates

from .models import FitzpatrickType, Procedure, Severity

PRESENT, ABSENT = "present", "absent"
CLEAR, NOT_CLEARED = "clear", "not_cleared"


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
                # Asked on the same form, before signing: a present relative contraindication is
                # either cleared with a written reason or left "not cleared", never by omission.
                self.fields[f"ci_{c.id}_decision"] = forms.ChoiceField(
                    label=_("If present"),
                    choices=[
                        (CLEAR, pgettext_lazy("a relative contraindication", "clear with a reason")),
                        (NOT_CLEARED, pgettext_lazy("a relative contraindication", "not cleared")),
                    ],
                    widget=forms.RadioSelect(attrs={"data-relative-decision": c.id}),
                    required=False,
                )
                self.fields[f"ci_{c.id}_override"] = forms.CharField(
                    label=_("Reason for clearing"),
                    required=False,
                    max_length=2000,
                )
        if amend:
            add_correction_fields(self, "examined_at", _("Examined at"), previous)

    def clean(self):
        data = super().clean()
        for c in self.contraindications:
            if c.severity != Severity.RELATIVE or data.get(f"ci_{c.id}") != PRESENT:
                continue
            decision, reason = data.get(f"ci_{c.id}_decision"), data.get(f"ci_{c.id}_override", "").strip()
            if not decision:
                self.add_error(
                    f"ci_{c.id}_decision",
                    _("This contraindication is present: choose «clear with a reason» or «not cleared»."),
                )
            elif decision == CLEAR and not reason:
                self.add_error(f"ci_{c.id}_override", _("Write why the patient is cleared despite it."))
        return data

    def answers(self) -> dict[int, tuple[bool, str]]:
        """(present, clearing reason) per contraindication; the reason only where it clears."""
        data = self.cleaned_data
        result = {}
        for c in self.contraindications:
            present = data[f"ci_{c.id}"] == PRESENT
            clears = present and data.get(f"ci_{c.id}_decision") == CLEAR
            result[c.id] = (present, data.get(f"ci_{c.id}_override", "").strip() if clears else "")
        return result

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
            if answer.present:
                initial[f"ci_{answer.contraindication_id}_decision"] = CLEAR if answer.override_reason else NOT_CLEARED
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

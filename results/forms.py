"""The forms of the results pages: a check with its trichoscopy (per-zone figures), a correction, a withdrawal."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from procedures.forms import moment_field

from .models import GRADES, CheckKind, Method, Scale
from .validation import FIGURES, Figures, Reading

FORM_FIGURES = ("density", "terminal_share", "vellus_share", "mean_diameter", "anagen_share", "telogen_share")

FIGURE_LABELS = {
    "density": _("Density, hairs per cm²"),
    "terminal_share": _("Terminal hairs, %"),
    "vellus_share": _("Vellus hairs, %"),
    "mean_diameter": _("Mean shaft diameter, µm"),
    "anagen_share": _("Anagen, %"),
    "telogen_share": _("Telogen, %"),
}


def grade_choices() -> list:
    """One select for scale and grade: "hamilton:3", grouped by scale.

    An option names its scale too ("Ludwig: I"): a closed select shows the option, not its group.
    """
    return [
        ("", _("not graded")),
        *[
            (Scale(scale).label, [(f"{scale}:{grade}", _grade_label(scale, grade)) for grade in grades])
            for scale, grades in GRADES.items()
        ],
    ]


def _grade_label(scale: str, grade: str):
    return format_lazy("{scale}: {grade}", scale=Scale(scale).label, grade=grade)


def _figure_field(name: str, label) -> forms.Field:
    """A figure's input. A share or the diameter is a text box with the decimal keypad, read in the
    page's language: in Russian "62,5" is the way to write it, and a number box dropped the comma
    ("625", then "a share is 0-100") or, on some phones, the whole figure without a word."""
    if name == "density":
        return forms.IntegerField(label=label, required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    attrs = {"inputmode": "decimal", "autocomplete": "off"}
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=6,
        decimal_places=1,
        localize=True,
        widget=forms.TextInput(attrs=attrs),
    )


class TrichoscopyForm(forms.Form):
    """The trichoscopy of a check: method, device, grade, notes and the figures of each zone in use.

    A zone's fields are named "<code>-<figure>" (frontoparietal-density), as the service names its problems.
    """

    method = forms.ChoiceField(
        label=pgettext_lazy("trichoscopy", "Method"), choices=Method.choices, initial=Method.TRICHOSCOPY
    )
    device = forms.CharField(label=_("Device"), max_length=120, required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, zones, amend: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.zones = list(zones)
        self.fields["grade"].choices = grade_choices()
        for zone in self.zones:
            for name in FORM_FIGURES:
                self.fields[f"{zone.code}-{name}"] = _figure_field(name, FIGURE_LABELS[name])
        if amend:
            self.fields["amendment_reason"] = forms.CharField(
                label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )

    @staticmethod
    def initial_from(record) -> dict:
        initial = {
            "method": record.method,
            "device": record.device,
            "grade": f"{record.scale}:{record.grade}" if record.scale else "",
            "notes": record.notes,
        }
        for m in record.measurements.all():
            initial.update({f"{m.zone.code}-{name}": getattr(m, name) for name in FIGURES})
        return initial

    def zone_groups(self) -> list:
        """[(zone, [bound fields])] for the template, one fieldset per zone."""
        return [(zone, [self[f"{zone.code}-{name}"] for name in FORM_FIGURES]) for zone in self.zones]

    @property
    def has_field_errors(self) -> bool:
        """A figure's error is next to it, far down a phone's screen: the top of the page must say so too."""
        return any(name != NON_FIELD_ERRORS for name in self.errors)

    def header_fields(self) -> list:
        return [self[name] for name in self.fields if "-" not in name and name != "amendment_reason"]

    def has_reading(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("grade") or data.get("notes") or not all(f.empty for f in self._figures().values()))

    def _figures(self) -> dict[str, Figures]:
        data = self.cleaned_data
        return {
            zone.code: Figures(**{name: data.get(f"{zone.code}-{name}") for name in FIGURES}) for zone in self.zones
        }

    def reading(self) -> Reading:
        data = self.cleaned_data
        scale, _sep, grade = (data.get("grade") or "").partition(":")
        return Reading(
            method=data["method"],
            device=data.get("device", ""),
            scale=scale,
            grade=grade,
            notes=data.get("notes", ""),
            zones=self._figures(),
        )


class CheckForm(TrichoscopyForm):
    """A new check: which one and when, and (optionally, it may be added later) its trichoscopy."""

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(label=_("Check"), choices=CheckKind.choices)
        self.fields["after_session"] = forms.IntegerField(
            label=_("After session"),
            required=False,
            min_value=1,
            max_value=course.session_count,
            help_text=_("For a checkpoint only."),
        )
        self.fields["taken_at"] = moment_field(_("Taken at"), required=False, help_text=_("Leave empty for now."))
        self.order_fields(["kind", "after_session", "taken_at", "method", "device", "grade", "notes"])


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is the photo withdrawn?"), max_length=1000)


class CheckWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is the check withdrawn?"), max_length=1000)

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EDITABLE_FIELDS, Patient

MAX_PAGES = 20


class PatientSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or phone"), required=False, max_length=100)
    # Pages of 50 without a total (README, "What the app does"). A deep page walks its offset (page 100 of a
    # common surname: 70 ms); nobody at the desk pages through a thousand patients to find one.
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGES,
        error_messages={"max_value": _("Pages after page %(limit_value)s are not shown: narrow the search.")},
    )


class PatientForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person, register anyway"),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Patient
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if locations is not None:  # a registrar registers patients of the locations she works at
            ids = {location.pk for location in locations}
            if self.instance.home_location_id:
                ids.add(self.instance.home_location_id)
            self.fields["home_location"].queryset = self.fields["home_location"].queryset.filter(pk__in=ids)

    def show_duplicate_confirmation(self) -> None:
        self.fields["confirm_duplicate"].widget = forms.CheckboxInput()

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PatientRegistrationForm(PatientForm):
    """The staff registration form: the patient's fields, and the personal-data consent signed on paper."""

    personal_data_consent = forms.BooleanField(
        label=_("The patient has signed the consent to personal-data processing (the current text)"),
        required=False,
    )


class AnonymiseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example: the patient's written request of 20 November 2026."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I understand: the name, contacts and portal login are erased for good; clinical records stay."),
    )

"""The form for joining the waiting list: the desk's (with a clinician and a number of sessions) and the portal's."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Location
from core import dates
from procedures.models import Procedure

from .forms import DATE, TIME, clinicians
from .models import Weekday
from .planner import MOST_SESSIONS


class WaitlistEntryForm(forms.Form):
    procedure = forms.ModelChoiceField(
        label=_("Procedure"), queryset=Procedure.objects.filter(active=True), empty_label=_("Choose a procedure")
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), empty_label=_("Choose a location")
    )
    clinician = forms.ModelChoiceField(
        label=_("Clinician"), queryset=clinicians(), required=False, empty_label=_("Any clinician")
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days that suit"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any day."),
    )
    time_from = forms.TimeField(label=_("From"), required=False, widget=TIME)
    time_to = forms.TimeField(label=_("Until"), required=False, widget=TIME)
    earliest_on = dates.PlausibleDateField(plausible=dates.BOOKING, label=_("Not before"), widget=DATE)
    latest_on = dates.PlausibleDateField(plausible=dates.BOOKING, label=_("Not after"), widget=DATE)
    sessions = forms.IntegerField(
        label=_("Number of sessions"),
        min_value=1,
        max_value=MOST_SESSIONS,
        required=False,
        help_text=_("Empty: the procedure's shortest course."),
    )

    def __init__(self, *args, locations, portal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(pk__in=[loc.pk for loc in locations])
        if portal:  # the patient chooses what, where and when; the desk settles the rest
            del self.fields["clinician"], self.fields["sessions"]
        today = timezone.localdate()
        self.fields["earliest_on"].initial = today
        self.fields["latest_on"].initial = today + datetime.timedelta(days=30)

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["weekdays"] = data.get("weekdays") or []
        return data

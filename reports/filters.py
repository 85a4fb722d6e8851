"""What a report is asked about: a range of days, the locations, and optionally a clinician or a procedure.

One form serves the page, the exports and the API (which turns its errors into a JSON 400 with the
field's code). The locations are the user's (accounts.locations): administrators all, a registrar hers;
naming another answers 403 before the form is read, the way the calendar does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Location
from core import dates
from procedures.models import Procedure

LONGEST_RANGE_DAYS = 366
PERIODS = [("week", gettext_lazy("by week")), ("day", gettext_lazy("by day"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@dataclass(frozen=True)
class ReportFilter:
    first: datetime.date
    last: datetime.date  # inclusive
    locations: tuple[Location, ...]
    clinician_id: int | None = None
    procedure_id: int | None = None
    period: str = "week"

    @property
    def location_ids(self) -> list[int]:
        return [loc.pk for loc in self.locations]

    def params(self) -> dict:
        return {
            "first": self.first,
            "last": self.last,
            "locations": self.location_ids,
            "clinician": self.clinician_id,
            "procedure": self.procedure_id,
        }


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def clinicians_at(location_ids):
    users = get_user_model().objects.filter(groups__name="clinician", locations__in=location_ids)
    return users.distinct().order_by("last_name", "first_name", "pk")


class ReportFilterForm(forms.Form):
    date_from = dates.PlausibleDateField(
        plausible=dates.BROWSE, label=gettext_lazy("From"), required=False, widget=DATE
    )
    date_to = dates.PlausibleDateField(plausible=dates.BROWSE, label=gettext_lazy("To"), required=False, widget=DATE)
    location = forms.TypedChoiceField(label=gettext_lazy("Location"), coerce=int, required=False)
    clinician = forms.ModelChoiceField(
        label=gettext_lazy("Clinician"), queryset=None, required=False, empty_label=gettext_lazy("All clinicians")
    )
    procedure = forms.ModelChoiceField(
        label=gettext_lazy("Procedure"), queryset=None, required=False, empty_label=gettext_lazy("All procedures")
    )
    period = forms.ChoiceField(label=gettext_lazy("Utilisation shown"), choices=PERIODS, required=False)

    def __init__(self, data=None, *, locations, **kwargs):
        super().__init__(data, **kwargs)
        self.locations = list(locations)
        self.fields["location"].choices = [("", _("All my locations"))] + [(loc.pk, loc.name) for loc in self.locations]
        self.fields["clinician"].queryset = clinicians_at([loc.pk for loc in self.locations])
        self.fields["procedure"].queryset = Procedure.objects.order_by("name_ru")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        first, last = data.get("date_from"), data.get("date_to")
        if first is None and last is None:  # the current month where the (first) location is
            zone = self._chosen()[0].tz if self.locations else timezone.get_current_timezone()
            first, last = month_of(timezone.localdate(timezone=zone))
        elif last is None:
            last = month_of(first)[1]
        elif first is None:
            first = month_of(last)[0]
        if last < first:
            raise ValidationError(
                {"date_to": ValidationError(_("The last day comes before the first."), code="reversed_range")}
            )
        if (last - first).days + 1 > LONGEST_RANGE_DAYS:
            raise ValidationError(
                {
                    "date_to": ValidationError(
                        _("Choose at most %(days)s days; this range has %(asked)s.")
                        % {"days": LONGEST_RANGE_DAYS, "asked": (last - first).days + 1},
                        code="range_too_long",
                    )
                }
            )
        data["date_from"], data["date_to"] = first, last
        return data

    def show_range(self) -> None:
        """Draw the range the report used in the date fields, the default one too."""
        data = self.data.copy()
        data["date_from"], data["date_to"] = self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        self.data = data

    def _chosen(self) -> list[Location]:
        wanted = self.cleaned_data.get("location")
        return [loc for loc in self.locations if loc.pk == wanted] or self.locations

    def report_filter(self) -> ReportFilter:
        data = self.cleaned_data
        clinician, procedure = data.get("clinician"), data.get("procedure")
        return ReportFilter(
            first=data["date_from"],
            last=data["date_to"],
            locations=tuple(self._chosen()),
            clinician_id=clinician.pk if clinician else None,
            procedure_id=procedure.pk if procedure else None,
            period=data.get("period") or "week",
        )

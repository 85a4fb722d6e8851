import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Location
from core.admin_site import AdministratorAdmin
from core.forms import apply_service_error

from .forms import clinicians
from .models import Certification, Closure, Dewar, Leave, OpeningHours, Resource, StaffHours, Weekday
from .services.week_hours import Day, location_week_set, staff_week_set


class ClinicianChoiceMixin:
    """A clinician drop-down lists the active users with the clinician role, nobody else."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinician":
            kwargs["queryset"] = clinicians()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---------------------------------------------------------------- the week grid


def _time_widget(label: str) -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "aria-label": label}, format="%H:%M")


class WeekForm(forms.Form):
    """Seven rows, Monday first: the start and end times of each day (and the branch, for a clinician)."""

    def __init__(self, *args, days: dict[int, Day], words: tuple[str, str], locations=None, **kwargs):
        initial = {}
        for weekday, day in days.items():
            initial |= {f"start_{weekday}": day.start, f"end_{weekday}": day.end, f"location_{weekday}": day.location}
        super().__init__(*args, initial=initial, **kwargs)
        self.words = words
        self.with_location = locations is not None
        for weekday, label in Weekday.choices:
            if self.with_location:
                self.fields[f"location_{weekday}"] = forms.ModelChoiceField(
                    queryset=locations,
                    required=False,
                    empty_label="—",
                    label=f"{label}: {_('branch')}",
                    widget=forms.Select(attrs={"aria-label": f"{label}: {_('branch')}"}),
                )
            for part, word in zip(("start", "end"), words, strict=True):
                self.fields[f"{part}_{weekday}"] = forms.TimeField(
                    required=False, label=f"{label}: {word}", widget=_time_widget(f"{label}: {word}")
                )

    def columns(self) -> list[str]:
        return ([_("Branch")] if self.with_location else []) + [str(word).capitalize() for word in self.words]

    def rows(self) -> list[tuple[str, list, bool]]:
        """(day, its (field, column heading) pairs in the grid's order, whether any is wrong) for the template."""
        names = (["location"] if self.with_location else []) + ["start", "end"]
        rows = []
        for weekday, label in Weekday.choices:
            fields = [self[f"{name}_{weekday}"] for name in names]
            rows.append((label, list(zip(fields, self.columns(), strict=True)), any(f.errors for f in fields)))
        return rows

    def week(self) -> dict[int, Day]:
        data = self.cleaned_data
        return {
            weekday: Day(data.get(f"start_{weekday}"), data.get(f"end_{weekday}"), data.get(f"location_{weekday}"))
            for weekday in Weekday.values
        }


def _weekday_short(weekday: int) -> str:
    return date_format(datetime.date(2024, 1, 1) + datetime.timedelta(days=weekday), "D")  # 1 Jan 2024: a Monday


def week_summary(days: dict[int, str]) -> str:
    """Consecutive days with the same hours as one range: 'Пн–Пт 09:00–20:00 · Сб 10:00–16:00'."""
    groups: list[list] = []
    for weekday in Weekday.values:
        text = days.get(weekday)
        if text is None:
            continue
        if groups and groups[-1][2] == text and groups[-1][1] == weekday - 1:
            groups[-1][1] = weekday
        else:
            groups.append([weekday, weekday, text])
    if not groups:
        return _("No hours set")
    parts = []
    for first, last, text in groups:
        span = _weekday_short(first) + (f"–{_weekday_short(last)}" if last != first else "")
        parts.append(f"{span} {text}")
    return " · ".join(parts)


def _hours(start: datetime.time, end: datetime.time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


class WeekGridAdmin(AdministratorAdmin):
    """The model's rows are edited a week at a time: the list is one line per owner (a branch, a clinician)
    with its week in brief, and each owner's week is one grid saved whole. The old add and change pages
    lead to the grid."""

    index_template = "admin/scheduling/week_index.html"
    grid_template = "admin/scheduling/week_grid.html"
    words: tuple = ()
    owner_title = ""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_week"
        return [
            path("week/<int:owner_id>/", self.admin_site.admin_view(self.week_view), name=name),
            *super().get_urls(),
        ]

    def week_url(self, owner) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_week", args=[owner.pk])

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        owners = [(owner, self.week_url(owner), self.summary(owner)) for owner in self.owners()]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.opts.verbose_name_plural.capitalize(),
            "owner_title": self.owner_title,
            "owners": owners,
        }
        return TemplateResponse(request, self.index_template, context)

    def has_add_permission(self, request):
        return False  # a day is added on its owner's grid

    def add_view(self, request, form_url="", extra_context=None):
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = self.get_object(request, object_id)
        if row is None:  # Django's own "no such object" answer
            return super().change_view(request, object_id, form_url, extra_context)
        return redirect(self.week_url(self.owner_of(row)))

    def week_view(self, request, owner_id: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        owner = get_object_or_404(self.owners(), pk=owner_id)
        form = WeekForm(request.POST or None, days=self.days(owner), words=self.words, locations=self.locations(owner))
        if request.method == "POST" and form.is_valid():
            try:
                written = self.save_week(request, owner, form.week())
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                self.message_user(request, self.saved_message(owner, written), messages.SUCCESS)
                return redirect(self.week_url(owner))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("%(what)s: %(whose)s") % {"what": self.opts.verbose_name_plural.capitalize(), "whose": owner},
            "owner": owner,
            "form": form,
            "words": self.words,
            "note": self.note(owner),
        }
        return TemplateResponse(request, self.grid_template, context, status=400 if form.errors else 200)

    def saved_message(self, owner, written: int) -> str:
        if not written:
            return _("Nothing changed.")
        return _("The week is saved for %(whose)s.") % {"whose": owner}

    def note(self, owner) -> str:
        return ""

    def locations(self, owner):
        return None


@admin.register(OpeningHours)
class OpeningHoursAdmin(WeekGridAdmin):
    list_display = ("location", "weekday", "opens", "closes")
    list_filter = ("location",)
    words = (gettext_lazy("opens"), gettext_lazy("closes"))
    owner_title = gettext_lazy("Branch")

    def owners(self):
        return Location.objects.order_by("name").prefetch_related("opening_hours")

    def owner_of(self, row):
        return row.location

    def summary(self, location) -> str:
        return week_summary({o.weekday: _hours(o.opens, o.closes) for o in location.opening_hours.all()})

    def days(self, location) -> dict[int, Day]:
        return {o.weekday: Day(o.opens, o.closes) for o in location.opening_hours.all()}

    def note(self, location) -> str:
        return _("Leave both times empty on a day the branch is closed. Holidays and closures are set separately.")

    def save_week(self, request, location, week) -> int:
        return location_week_set(actor=request.user, location=location, week=week, request=request)


@admin.register(StaffHours)
class StaffHoursAdmin(ClinicianChoiceMixin, WeekGridAdmin):
    list_display = ("clinician", "location", "weekday", "starts", "ends")
    list_filter = ("location", "clinician")
    words = (gettext_lazy("starts"), gettext_lazy("ends"))
    owner_title = gettext_lazy("Clinician")

    def owners(self):
        hours = StaffHours.objects.select_related("location")
        return clinicians().prefetch_related(Prefetch("working_hours", queryset=hours), "locations")

    def owner_of(self, row):
        return row.clinician

    def summary(self, clinician) -> str:
        several = len(clinician.locations.all()) > 1
        return week_summary(
            {
                h.weekday: _hours(h.starts, h.ends) + (f" ({h.location.name})" if several else "")
                for h in clinician.working_hours.all()
            }
        )

    def days(self, clinician) -> dict[int, Day]:
        return {h.weekday: Day(h.starts, h.ends, h.location) for h in clinician.working_hours.all()}

    def locations(self, clinician):
        return clinician.locations.order_by("name")

    def note(self, clinician) -> str:
        if not clinician.locations.all():
            return _("This clinician is attached to no branch: add one on the clinician's account first.")
        return _("One branch a day, within its opening hours. Leave both times empty on a day off.")

    def save_week(self, request, clinician, week) -> int:
        return staff_week_set(actor=request.user, clinician=clinician, week=week, request=request)


# ---------------------------------------------------------------- the other catalogues


@admin.register(Closure)
class ClosureAdmin(AdministratorAdmin):
    # Registrars see the sessions a closure hits, and re-plan them, on the Closures page.
    list_display = ("location", "starts_on", "ends_on", "reason")
    list_filter = ("location",)


@admin.register(Resource)
class ResourceAdmin(AdministratorAdmin):
    list_display = ("name", "kind", "location", "active")
    list_filter = ("location", "kind", "active")


@admin.register(Leave)
class LeaveAdmin(ClinicianChoiceMixin, AdministratorAdmin):
    list_display = ("clinician", "starts_on", "ends_on", "reason")


@admin.register(Certification)
class CertificationAdmin(ClinicianChoiceMixin, AdministratorAdmin):
    list_display = ("clinician", "procedure", "valid_until")
    list_filter = ("procedure",)


@admin.register(Dewar)
class DewarAdmin(AdministratorAdmin):
    """A dewar's figures; its readings are recorded on the Nitrogen page, not here."""

    list_display = ("resource", "capacity_litres", "daily_loss_litres", "reserve_litres", "refill_lead_days")
    list_filter = ("resource__location",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "resource":
            kwargs["queryset"] = Resource.objects.filter(kind__slug="nitrogen-dewar").select_related("location")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

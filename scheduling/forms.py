import datetime
import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Location
from core import dates
from core.branding import clinic
from patients.models import Patient
from patients.selectors import patients_visible_to
from procedures.models import Procedure
from procedures.rules import preceding_treatment_problems

from .models import BookingRequest, BookingRequestStatus, SessionStatus, SkinTreatment
from .planner import MOST_SESSIONS, Rules, count_problems
from .services.skin_treatment import PrecedingTreatment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def clinicians():
    return get_user_model().objects.filter(groups__name="clinician", is_active=True).order_by("last_name")


class BookingForm(forms.Form):
    procedure = forms.ModelChoiceField(
        label=_("Procedure"),
        queryset=Procedure.objects.filter(active=True),
        to_field_name="slug",
        empty_label=_("Choose a procedure"),
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.all(), empty_label=_("Choose a location")
    )
    count = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=MOST_SESSIONS)
    first_day = dates.PlausibleDateField(plausible=dates.BOOKING, label=_("First session on or after"), widget=DATE)
    preferred_time = forms.TimeField(label=_("Preferred time"), required=False, widget=TIME)
    window_from = forms.TimeField(label=_("Not before"), required=False, widget=TIME)
    window_to = forms.TimeField(label=_("Not after"), required=False, widget=TIME)
    clinician = forms.ModelChoiceField(
        label=_("Preferred clinician"), queryset=clinicians(), required=False, empty_label=_("Any clinician")
    )
    combined_procedure = forms.ModelChoiceField(
        label=_("Combined with (the same day)"),
        queryset=Procedure.objects.filter(active=True),
        to_field_name="slug",
        required=False,
        empty_label=_("Nothing else"),
        help_text=_("Cryomassage is placed to end half an hour before the other procedure."),
    )
    combined_count = forms.IntegerField(
        label=_("Sessions of the combined procedure"),
        required=False,
        min_value=1,
        max_value=MOST_SESSIONS,
        help_text=_("When its course has a count of its own (plasmolifting every 14 days shares every 7th visit)."),
    )

    # The laser, peel or microdermabrasion post-procedure cryotherapy follows (Procedure.follows_skin_treatment).
    preceding_kind = forms.ChoiceField(
        label=_("Follows (laser, peel, microdermabrasion)"),
        choices=[("", "—"), *SkinTreatment.choices],
        help_text=_("Asked for cryotherapy after a skin treatment: the course starts within its healing phase."),
        required=False,
    )
    preceding_kind_other = forms.CharField(label=_("Which treatment, if other"), max_length=200, required=False)
    preceding_date = dates.PlausibleDateField(
        plausible=dates.BROWSE, label=_("Date of that treatment"), required=False, widget=DATE
    )
    preceding_elsewhere = forms.BooleanField(label=_("Done at another clinic"), required=False)
    acknowledge_outside_healing_phase = forms.BooleanField(
        label=_("Book it anyway: the first session is after the healing phase"), required=False
    )
    TREATMENT_FIELDS = ("preceding_kind", "preceding_kind_other", "preceding_date", "preceding_elsewhere")

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()
        _offer_only(self.fields["location"], locations)

    def planning_fields(self):
        skip = {*self.TREATMENT_FIELDS, "acknowledge_outside_healing_phase"}
        return [f for f in self if f.name not in skip]

    def treatment_fields(self):
        return [self[name] for name in self.TREATMENT_FIELDS]

    def clean_first_day(self):
        day = self.cleaned_data["first_day"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The first session cannot be in the past."), code="in_past")
        if day > timezone.localdate() + datetime.timedelta(days=366):
            raise forms.ValidationError(_("Book at most a year ahead."), code="too_far")
        return day

    def clean(self):
        data = super().clean()
        procedure, count = data.get("procedure"), data.get("count")
        if procedure and count:
            for problem in count_problems(Rules.of(procedure), count):
                self.add_error("count", problem)
        if data.get("window_from") and data.get("window_to") and data["window_from"] >= data["window_to"]:
            self.add_error("window_to", _("Must be later than 'not before'."))
        self._clean_treatment(data)
        return data

    def _clean_treatment(self, data) -> None:
        """Asked only when the procedure (or the one combined with it) follows a skin treatment."""
        procedures = [p for p in (data.get("procedure"), data.get("combined_procedure")) if p]
        if not any(p.follows_skin_treatment for p in procedures):
            data.update(preceding_kind="", preceding_kind_other="", preceding_date=None, preceding_elsewhere=False)
            return
        if self.has_error("preceding_date"):
            return
        kind, day = data.get("preceding_kind", ""), data.get("preceding_date")
        for reason in preceding_treatment_problems(
            kind=kind,
            other=data.get("preceding_kind_other", ""),
            day=day,
            first_day=data.get("first_day"),
            today=timezone.localdate(),
        ):
            field = {"preceding_treatment_unnamed": "preceding_kind_other"}.get(reason.code, "preceding_date")
            if reason.code == "preceding_treatment_required" and not kind:
                field = "preceding_kind"
            self.add_error(field, forms.ValidationError(reason.message, code=reason.code))

    def preceding_treatment(self) -> PrecedingTreatment | None:
        data = self.cleaned_data
        if not data.get("preceding_kind") or not data.get("preceding_date"):
            return None
        return PrecedingTreatment(
            kind=data["preceding_kind"],
            day=data["preceding_date"],
            other=data.get("preceding_kind_other", ""),
            elsewhere=data.get("preceding_elsewhere", False),
        )


class SessionRowForm(forms.Form):
    day = dates.PlausibleDateField(plausible=dates.BOOKING, label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    clinician = forms.ModelChoiceField(label=_("Clinician"), queryset=clinicians(), empty_label=_("Choose a clinician"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("A session cannot be in the past."), code="in_past")
        return day


SessionRowFormSet = forms.formset_factory(SessionRowForm, extra=0, max_num=MOST_SESSIONS, validate_max=True, min_num=1)
# The combined procedure's own sessions after the shared visits (none when every visit is shared).
CombinedRowFormSet = forms.formset_factory(SessionRowForm, extra=0, max_num=MOST_SESSIONS, validate_max=True, min_num=0)


class MoveForm(forms.Form):
    day = dates.PlausibleDateField(plausible=dates.BOOKING, label=_("New date"), widget=DATE)
    time = forms.TimeField(label=_("New time"), widget=TIME)
    shift_following = forms.BooleanField(label=_("Re-plan the following sessions after it"), required=False)
    # The proposal the registrar confirms (see services.moves): empty on the first post.
    expected = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(s.value, s.label) for s in (SessionStatus.COMPLETED, SessionStatus.NO_SHOW)])


class CorrectOutcomeForm(OutcomeForm):
    reason = forms.CharField(label=_("Why the outcome is corrected"), max_length=500)


class CalendarForm(forms.Form):
    # A number, checked by the view against the locations the user works at.
    location = forms.IntegerField(label=_("Location"), required=False, min_value=1)
    date = dates.PlausibleDateField(plausible=dates.BROWSE, label=_("Date"), required=False, widget=DATE)
    view = forms.ChoiceField(
        label=pgettext_lazy("calendar view mode", "View"),
        choices=[("day", _("day")), ("week", _("week"))],
        required=False,
    )
    by = forms.ChoiceField(
        label=_("Columns"), choices=[("clinician", _("by clinician")), ("room", _("by room"))], required=False
    )
    layout = forms.ChoiceField(
        label=_("Layout"), choices=[("grid", _("time grid")), ("list", _("list"))], required=False
    )
    # "Choose on the calendar" from a session's move form: the grid's free times then move it.
    move = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # The day sheet of one clinician (the print view); checked against the calendar's own columns.
    clinician = forms.IntegerField(required=False, min_value=1)


class CalendarBookForm(forms.Form):
    """A free gap the registrar chose on the grid, and the patient search that goes with it."""

    location = forms.IntegerField(required=False, min_value=1)
    day = dates.PlausibleDateField(plausible=dates.BOOKING, label=_("Date"), required=False, widget=DATE)
    time = forms.TimeField(label=_("Time"), required=False, widget=TIME)
    clinician = forms.ModelChoiceField(
        label=_("Clinician"), queryset=clinicians(), required=False, empty_label=_("Any clinician")
    )
    q = forms.CharField(label=_("Find the patient (name or phone)"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()


class FreeSlotForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.all())
    procedure = forms.ModelChoiceField(
        label=_("Procedure"), queryset=Procedure.objects.filter(active=True), to_field_name="slug"
    )
    date = dates.PlausibleDateField(plausible=dates.BROWSE, label=_("Date"), widget=DATE)

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_only(self.fields["location"], locations)


class RequestCloseForm(forms.Form):
    """Close a request: the patient is one of the search results (an id the user may see), never typed."""

    status = forms.ChoiceField(
        choices=[(BookingRequestStatus.HANDLED, _("Done")), (BookingRequestStatus.DISMISSED, _("Dismiss"))]
    )
    patient = forms.ModelChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose the patient from the search results.")},
    )

    def __init__(self, *args, user, booking_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.booking_request = booking_request
        self.fields["patient"].queryset = patients_visible_to(user)

    def clean(self):
        data = super().clean()
        handled = data.get("status") == BookingRequestStatus.HANDLED
        if handled and not data.get("patient") and not self.has_error("patient") and not self._known_patient():
            self.add_error("patient", _("Find the patient and choose them, or register a new one."))
        return data

    def _known_patient(self) -> bool:
        # A move request names its session, hence its patient; one registered from the request is linked.
        return bool(self.booking_request.session_id or self.booking_request.patient_id)


def _offer_only(field, locations) -> None:
    """Offer only the user's locations (the views answer 403 before a form sees another one)."""
    if locations is not None:
        field.queryset = field.queryset.filter(pk__in=[location.pk for location in locations])


class BookingRequestForm(forms.ModelForm):
    """The clinic website's request form. `website` is a honeypot: people leave it empty."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    privacy_consent = forms.BooleanField(
        required=True, error_messages={"required": _("Without this consent the clinic cannot take your request.")}
    )

    class Meta:
        model = BookingRequest
        fields = ["name", "phone", "procedure", "preferred_time", "message"]
        labels = {"name": pgettext_lazy("of a person", "Name"), "phone": _("Phone")}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
            "message": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        procedure = self.fields["procedure"]
        procedure.queryset = Procedure.objects.filter(active=True)
        procedure.required = False
        procedure.empty_label = _("Not sure: the registrar will advise")  # not Django's "---------"
        # 152-FZ: consent to the processing of personal data, with a link to the policy (core.branding).
        self.fields["privacy_consent"].label = format_html(
            _('I consent to the processing of my personal data (<a href="{}" target="_blank">privacy policy</a>)'),
            clinic().privacy_url,
        )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if len(re.sub(r"\D", "", phone)) < 7:
            raise forms.ValidationError(_("Enter a phone number we can call back."), code="invalid_phone")
        return phone

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

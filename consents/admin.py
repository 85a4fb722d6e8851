"""Administrators keep the consent forms: a change of text is a new version (services.version_publish),
never an edit; a version that asks for a new signature lists the patients affected. The signed
consents and refusals are a read-only list (evidence is append-only), filterable by form and state."""

import hashlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from audit.models import Action
from audit.services import audit_record
from core.admin_site import AdministratorAdmin, ReadOnlyAdministratorAdmin
from core.dates import long_date
from core.policy import allowed

from . import services
from .models import Consent, ConsentTemplate, ConsentTemplateVersion, Decision
from .selectors import MISSING, OUTDATED, REFUSED, SIGNED, WITHDRAWN, consent_state, current_version, patients_to_resign


class ConsentTemplateForm(forms.ModelForm):
    text_ru = forms.CharField(label=_("text (Russian)"), widget=forms.Textarea(attrs={"rows": 14}))
    text_en = forms.CharField(label=_("text (English)"), widget=forms.Textarea(attrs={"rows": 14}))
    needs_new_signature = forms.BooleanField(
        label=_("patients must sign again"),
        required=False,
        help_text=_("Leave unticked for a correction that does not change what patients agree to."),
    )
    change_note = forms.CharField(label=_("what changed"), required=False, max_length=300)

    class Meta:
        model = ConsentTemplate
        fields = ["kind", "procedure", "title_ru", "title_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = current_version(self.instance) if self.instance.pk else None
        if version is not None:
            self.fields["text_ru"].initial, self.fields["text_en"].initial = version.text_ru, version.text_en
        self.text_changed = False

    def clean(self):
        data = super().clean()
        version = current_version(self.instance) if self.instance.pk else None
        texts = ((data.get("text_ru") or "").strip(), (data.get("text_en") or "").strip())
        self.text_changed = version is None or texts != (version.text_ru, version.text_en)
        return data


class VersionInline(admin.TabularInline):
    model = ConsentTemplateVersion
    fields = ("number", "created_at", "created_by", "needs_new_signature", "change_note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ConsentTemplate)
class ConsentTemplateAdmin(AdministratorAdmin):
    form = ConsentTemplateForm
    list_display = ("title_ru", "kind", "procedure", "resign_from_version")
    readonly_fields = ("patients_to_sign_again",)
    inlines = [VersionInline]

    def get_fields(self, request, obj=None):
        fields = [
            "kind",
            "procedure",
            "title_ru",
            "title_en",
            "text_ru",
            "text_en",
            "needs_new_signature",
            "change_note",
        ]
        return [*fields, "patients_to_sign_again"] if obj is not None else fields

    @admin.display(description=_("patients who must sign again"))
    def patients_to_sign_again(self, obj):
        patients = patients_to_resign(obj) if obj is not None and obj.pk else []
        if not patients:
            return "—"
        return format_html_join(", ", '<a href="{}">{}</a>', ((p.get_absolute_url(), p.full_name) for p in patients))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.text_changed:
            data = form.cleaned_data
            try:
                version = services.version_publish(
                    actor=request.user,
                    template=obj,
                    text_ru=data["text_ru"],
                    text_en=data["text_en"],
                    needs_new_signature=data["needs_new_signature"],
                    change_note=data["change_note"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Version %(n)d of the text is published.") % {"n": version.number})


# ---------------------------------------------------------------- signed consents: read only


STATE_LABELS = {
    SIGNED: _("signed"),
    REFUSED: _("refused"),
    WITHDRAWN: _("withdrawn"),
    OUTDATED: _("a new signature is needed"),
    MISSING: _("missing"),
}


class StateFilter(admin.SimpleListFilter):
    """The state consents.selectors.consent_state gives, as a query: in force, refused, withdrawn, outdated."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state, STATE_LABELS[state]) for state in (SIGNED, REFUSED, WITHDRAWN, OUTDATED)]

    def queryset(self, request, queryset):
        signed = Q(decision=Decision.SIGNED, withdrawal__isnull=True)
        outdated = Q(version__number__lt=F("template__resign_from_version"))
        states = {
            SIGNED: signed & ~outdated,
            REFUSED: Q(decision=Decision.REFUSED),
            WITHDRAWN: Q(decision=Decision.SIGNED, withdrawal__isnull=False),
            OUTDATED: signed & outdated,
        }
        return queryset.filter(states[self.value()]) if self.value() in states else queryset


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdministratorAdmin):
    """Every signature and refusal as stored, for the clinic's administrators; nothing here edits one
    (the database refuses that too). Opening one is audited like any read of a patient's record."""

    list_display = ("signed_at", "patient", "title", "decision", "state", "method", "witness")
    list_filter = ("template", StateFilter, "method")
    list_select_related = ("patient", "template", "version", "withdrawal", "witness")
    search_fields = ("patient__full_name",)
    date_hierarchy = "signed_at"
    fields = (
        "patient",
        "title",
        "decision",
        "state",
        "method",
        "signed_at",
        "version",
        "language",
        "witness",
        "recorded_by",
        "typed_name",
        "withdrawn",
        "ip",
        "user_agent",
        "text_sha256",
        "text_intact",
        "signature_sha256",
        "code_hash",
        "text",
    )
    readonly_fields = fields

    def has_module_permission(self, request):
        return allowed(request.user, "consent.evidence") and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return allowed(request.user, "consent.evidence") and super().has_view_permission(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related(*self.list_select_related, "recorded_by", "code")
        return queryset.defer("signature_png") if request.resolver_match.url_name.endswith("changelist") else queryset

    def change_view(self, request, object_id, form_url="", extra_context=None):
        consent = self.get_object(request, object_id)
        if consent is not None:
            audit_record(request=request, action=Action.VIEW, patient=consent.patient, record=consent)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("state"))
    def state(self, obj):
        return STATE_LABELS[consent_state(obj)[0]]

    @admin.display(description=_("withdrawn at"))
    def withdrawn(self, obj):
        withdrawal = getattr(obj, "withdrawal", None)
        return (
            f"{long_date(timezone.localtime(withdrawal.at), time=True)} {withdrawal.reason}".strip()
            if withdrawal
            else "—"
        )

    @admin.display(description=_("the stored text matches its hash"), boolean=True)
    def text_intact(self, obj):
        return obj.text_intact

    @admin.display(description=_("SHA-256 of the drawn signature"))
    def signature_sha256(self, obj):
        return hashlib.sha256(bytes(obj.signature_png)).hexdigest() if obj.signature_png else "—"

    @admin.display(description=_("signing code (hashed)"))
    def code_hash(self, obj):
        return obj.code.code_hash if obj.code_id else "—"

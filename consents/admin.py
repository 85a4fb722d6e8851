"""Administrators keep the consent forms: a change of text is a new version (services.version_publish),
never an edit; a version that asks for a new signature lists the patients affected."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_site import AdministratorAdmin

from . import services
from .models import ConsentTemplate, ConsentTemplateVersion
from .selectors import current_version, patients_to_resign


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

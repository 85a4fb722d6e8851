from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_site import AdministratorAdmin

from .models import Contraindication, Indication, Procedure, ResourceKind


@admin.register(Procedure)
class ProcedureAdmin(AdministratorAdmin):
    list_display = (
        "slug",
        "name_ru",
        "name_en",
        "duration_minutes",
        "min_sessions",
        "max_sessions",
        "price_per_session",
        "requires_ice_test",
        "consent_required",
        "active",
    )
    filter_horizontal = ("resource_kinds",)


@admin.register(Contraindication)
class ContraindicationAdmin(AdministratorAdmin):
    list_display = ("slug", "name_ru", "name_en", "severity", "active", "needs_review")
    list_filter = ("needs_review", "severity", "procedures")
    filter_horizontal = ("procedures",)
    actions = ["mark_reviewed"]

    @admin.action(description=_("Mark as reviewed by the clinic's doctor"))
    def mark_reviewed(self, request, queryset):
        for item in queryset.filter(needs_review=True):  # one audited change per item, as the change form does
            item.needs_review = False
            item.save(update_fields=["needs_review"])
            self.log_change(request, item, [{"changed": {"fields": ["needs_review"]}}])


@admin.register(Indication)
class IndicationAdmin(AdministratorAdmin):
    list_display = ("slug", "name_ru", "name_en", "active")
    filter_horizontal = ("procedures",)


@admin.register(ResourceKind)
class ResourceKindAdmin(AdministratorAdmin):
    list_display = ("slug", "name_ru", "name_en")

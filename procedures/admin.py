from django.contrib import admin

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
    list_display = ("slug", "name_ru", "name_en", "severity", "active")
    list_filter = ("severity", "procedures")
    filter_horizontal = ("procedures",)


@admin.register(Indication)
class IndicationAdmin(AdministratorAdmin):
    list_display = ("slug", "name_ru", "name_en", "active")
    filter_horizontal = ("procedures",)


@admin.register(ResourceKind)
class ResourceKindAdmin(AdministratorAdmin):
    list_display = ("slug", "name_ru", "name_en")

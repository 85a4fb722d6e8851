"""Administrators keep the measured zones and the checkpoints; checks and photos are shown read-only,
without figures or pictures (those are for clinicians, through the audited pages)."""

from django.contrib import admin

from core.admin_site import AdministratorAdmin, ReadOnlyAdministratorAdmin

from .models import Check, Checkpoint, MeasurementZone, Photo


@admin.register(MeasurementZone)
class MeasurementZoneAdmin(AdministratorAdmin):
    list_display = ("code", "name_ru", "name_en", "position", "default", "active")
    list_editable = ("position", "active")


@admin.register(Checkpoint)
class CheckpointAdmin(AdministratorAdmin):
    list_display = ("procedure", "after_session")
    list_filter = ("procedure",)


@admin.register(Check)
class CheckAdmin(ReadOnlyAdministratorAdmin):
    list_display = ("id", "kind", "after_session", "taken_at", "location", "course")
    list_filter = ("kind", "location")
    fields = ("kind", "after_session", "taken_at", "location", "course", "created_by", "created_at")
    list_select_related = ("location", "course__procedure", "course__patient")


@admin.register(Photo)
class PhotoAdmin(ReadOnlyAdministratorAdmin):
    list_display = ("id", "result_check", "zone", "uploaded_at", "publishable", "withdrawn_at", "erased_at")
    list_filter = ("zone", "publishable")
    fields = (
        "result_check",
        "zone",
        "uploaded_by",
        "uploaded_at",
        "publishable",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_reason",
        "erased_at",
    )
    list_select_related = ("result_check__patient",)

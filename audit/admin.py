from django.contrib import admin

from core.admin_site import ReadOnlyAdministratorAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdministratorAdmin):
    list_display = ("at", "actor_name", "action", "patient", "record_type", "record_id", "ip")
    list_filter = ("action", "record_type")
    search_fields = ("actor_name", "record_type", "=patient__id", "patient__full_name", "=ip")
    date_hierarchy = "at"
    list_select_related = ("patient",)

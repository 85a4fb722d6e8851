from django.apps import apps
from django.contrib import admin

from core.admin_site import ReadOnlyAdministratorAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdministratorAdmin):
    list_display = ("at", "actor_name", "action", "patient_id", "record_type", "record_id", "ip")
    list_filter = ("action", "record_type")
    search_fields = ("actor_name", "record_type", "=patient_id", "=ip")
    date_hierarchy = "at"

    def get_search_results(self, request, queryset, search_term):
        """Also find a patient's events by their name: the trail keeps the patient's id only, and the
        patients app sits above this one, so the model is looked up by name rather than imported."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            # the patients' own search (any part of the name, ё as е, or the phone), from its trigram indexes
            patients = apps.get_model("patients", "Patient").objects.search(search_term)
            found |= queryset.filter(patient_id__in=patients.values("pk")[:200])
        return found, duplicates

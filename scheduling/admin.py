from django.contrib import admin

from core.admin_site import AdministratorAdmin

from .models import Certification, Closure, Leave, OpeningHours, Resource, StaffHours


@admin.register(OpeningHours)
class OpeningHoursAdmin(AdministratorAdmin):
    list_display = ("location", "weekday", "opens", "closes")
    list_filter = ("location",)


@admin.register(Closure)
class ClosureAdmin(AdministratorAdmin):
    # Registrars see the sessions a closure hits, and re-plan them, on the Closures page.
    list_display = ("location", "starts_on", "ends_on", "reason")
    list_filter = ("location",)


@admin.register(Resource)
class ResourceAdmin(AdministratorAdmin):
    list_display = ("name", "kind", "location", "active")
    list_filter = ("location", "kind", "active")


@admin.register(StaffHours)
class StaffHoursAdmin(AdministratorAdmin):
    list_display = ("clinician", "location", "weekday", "starts", "ends")
    list_filter = ("location", "clinician")


@admin.register(Leave)
class LeaveAdmin(AdministratorAdmin):
    list_display = ("clinician", "starts_on", "ends_on", "reason")


@admin.register(Certification)
class CertificationAdmin(AdministratorAdmin):
    list_display = ("clinician", "procedure", "valid_until")
    list_filter = ("procedure",)

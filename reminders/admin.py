from django.contrib import admin

from core.admin_site import AdministratorAdmin

from .models import ReminderOffset


@admin.register(ReminderOffset)
class ReminderOffsetAdmin(AdministratorAdmin):
    list_display = ("hours_before", "active")

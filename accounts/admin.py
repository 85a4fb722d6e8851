from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from clinic.admin_site import AdministratorAdmin

from .models import Location, User


@admin.register(User)
class UserAdmin(AdministratorAdmin, DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Clinic", {"fields": ("locations",)}))
    list_filter = ("groups", "is_active", "locations")
    filter_horizontal = ("groups", "locations", "user_permissions")


@admin.register(Location)
class LocationAdmin(AdministratorAdmin):
    list_display = ("name", "address", "phone", "time_zone")


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(AdministratorAdmin, GroupAdmin):
    pass

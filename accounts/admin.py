from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy, ngettext

from core.admin_site import AdministratorAdmin

from .models import ApiToken, Location, User
from .tokens import token_revoke


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


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorAdmin):
    """Every API token: whose, what for, made, last used, expiring. Administrators revoke; nobody edits."""

    list_display = ("user", "name", "created_at", "last_used_at", "expires_at")
    list_filter = ("expires_at",)
    search_fields = ("user__username", "name")
    readonly_fields = ("user", "name", "created_at", "last_used_at", "expires_at")
    list_select_related = ("user",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoking goes through the service, which audits it
        return actions

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = sum(
            token_revoke(actor=request.user, token_id=pk, request=request)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked}
        )

    def delete_model(self, request, obj):
        token_revoke(actor=request.user, token_id=obj.pk, request=request)

"""Django's admin is for clinic administrators only, decided by the policy module."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


def guard_admin_site(site: AdminSite) -> None:
    from accounts.policy import allowed

    def has_permission(request):
        return allowed(request.user, "admin.site")

    def login(request, extra_context=None):
        # One login page for the whole app; a signed-in non-administrator gets a 403 instead.
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    original_admin_view = site.admin_view

    def admin_view(view, cacheable=False):
        checked = original_admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request):
                raise PermissionDenied
            return checked(request, *args, **kwargs)

        return inner

    site.has_permission = has_permission
    site.login = login
    site.admin_view = admin_view


class AdministratorAdmin(admin.ModelAdmin):
    """Administrators keep the catalogues: full rights through the policy, not per-model perms."""

    def _may_edit(self, request) -> bool:
        from accounts.policy import allowed

        return allowed(request.user, "catalogue.edit")

    def has_module_permission(self, request):
        return self._may_edit(request)

    def has_view_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_add_permission(self, request):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request)


class ReadOnlyAdministratorAdmin(AdministratorAdmin):
    """Medical and audit records: visible to administrators where useful, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

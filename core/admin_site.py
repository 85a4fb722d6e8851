"""Django's admin is for clinic administrators only, decided by the policy module."""

from collections import Counter
from functools import wraps

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import router
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .events import SECRET_WORDS, admin_changed
from .policy import allowed


def guard_admin_site(site: AdminSite) -> None:
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

    # The clinic's own words, not "Django administration".
    site.site_header = site.site_title = _("Clinic administration")
    site.index_title = _("Catalogues, rooms, hours, staff")
    site.index_template = "admin/clinic/index.html"  # with the dashboard's warnings (liquid nitrogen)
    site.has_permission = has_permission
    site.login = login
    site.admin_view = admin_view
    _audit_every_admin(site)


def _audit_every_admin(site: AdminSite) -> None:
    """The admins other packages register (beat schedules, second-factor devices, API tokens) are
    audited like ours: each is re-registered as a subclass with the audit mixin in front."""
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, AuditedAdminMixin):
            audited = type(f"Audited{type(model_admin).__name__}", (AuditedAdminMixin, type(model_admin)), {})
            site.unregister(model)
            site.register(model, audited)


def _plain(value):
    """A form value as JSON can hold it: numbers, text, lists; ids for model instances."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        try:
            return sorted(items)
        except TypeError:  # mixed kinds
            return sorted(items, key=str)
    return str(value)  # dates, times, Decimal prices


def form_changes(form) -> dict:
    """Each field the form changed, from and to (ids for related objects); never a secret."""
    changes = {}
    for name in form.changed_data:
        if any(word in name for word in SECRET_WORDS) or name not in form.fields:
            continue
        field = form.fields[name]
        changes[name] = {
            "from": _plain(field.prepare_value(form.initial.get(name))),
            "to": _plain(field.prepare_value(form.cleaned_data.get(name))),
        }
    return changes


class AuditedAdminMixin:
    """Every add, change and delete in the admin is an audit event, not only a line in Django's admin log."""

    def construct_change_message(self, request, form, formsets, add=False):
        request.audit_form_changes = form_changes(form)  # read by log_addition / log_change just after
        return super().construct_change_message(request, form, formsets, add)

    def _audit(self, request, action, obj, message):
        fields = getattr(request, "audit_form_changes", None)
        request.audit_form_changes = None
        admin_changed.send(sender=type(obj), request=request, action=action, obj=obj, message=message, fields=fields)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, "create", obj, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, "update", obj, message)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, "delete", obj, "")
        return entries


class AdministratorAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Administrators keep the catalogues: full rights through the policy, not per-model perms."""

    # A catalogue entry, room or account that kept records use is PROTECTed: these pages say why
    # and what to do instead, and count the records by kind rather than list them (by patient).
    delete_confirmation_template = "admin/clinic/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/clinic/delete_selected_confirmation.html"

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            protected = self._protected_summary(objs)
        return deleted, counts, perms_needed, protected

    def _protected_summary(self, objs) -> list[str]:
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        kinds = Counter(str(capfirst(o._meta.verbose_name_plural)) for o in collector.protected)
        return [f"{kind}: {count}" for kind, count in sorted(kinds.items())]

    def _may_edit(self, request) -> bool:
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

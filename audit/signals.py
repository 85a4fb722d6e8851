"""Sign-ins, sign-outs, failed sign-ins and changes of anyone's roles go to the audit trail as they happen."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from core import events

from .middleware import current_request
from .models import Action
from .services import audit_admin_change, audit_record

User = get_user_model()


@receiver(user_logged_in, dispatch_uid="audit-login")
def _signed_in(sender, request, user, **kwargs):
    method = getattr(request, "login_method", "password") if request is not None else "password"
    audit_record(request=request, actor=user, action=Action.LOGIN, detail={"method": method})


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(request=request, actor=user, action=Action.LOGOUT)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _failed(sender, credentials, request=None, **kwargs):
    # Django passes the credentials with the password already masked; keep only the name typed.
    username = str(credentials.get("username", ""))[:150]
    audit_record(request=request, action=Action.LOGIN_FAILED, detail={"username": username})


# Who holds which privileges: every change is an audit event, whatever the path (the admin's user
# form, the group form, a shell, a command), since Django fires m2m_changed on all of them.
# The accessors of each link: (the holder's side, the privilege's side).
_PRIVILEGE_LINKS = {
    User.groups.through: ("groups", "user_set"),
    User.user_permissions.through: ("user_permissions", "user_set"),
    Group.permissions.through: ("permissions", "group_set"),
}


def _privilege_name(obj) -> str:
    return obj.name if isinstance(obj, Group) else f"{obj.content_type.app_label}.{obj.codename}"


def _privilege_changes(instance, action, reverse, model, pk_set, links):
    """(holder, names) pairs: the users or roles whose privileges change, and which ones."""
    holder_side, privilege_side = links
    if not reverse:  # user.groups.add(...), group.permissions.remove(...)
        granted = model.objects.filter(pk__in=pk_set) if pk_set is not None else getattr(instance, holder_side).all()
        if model is Permission:
            granted = granted.select_related("content_type")
        return [(instance, sorted(_privilege_name(g) for g in granted))]
    # group.user_set.add(...), permission.group_set.clear(): the holders are on the other side
    holders = model.objects.filter(pk__in=pk_set) if pk_set is not None else getattr(instance, privilege_side).all()
    return [(holder, [_privilege_name(instance)]) for holder in holders]


def _privileges_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    request = current_request()
    actor = request.user if request is not None and request.user.is_authenticated else None
    change = "added" if action == "post_add" else "removed"
    for holder, names in _privilege_changes(instance, action, reverse, model, pk_set, _PRIVILEGE_LINKS[sender]):
        if not names:
            continue
        detail = {"roles" if sender is User.groups.through else "permissions": {change: names}}
        if actor is not None and holder == actor:
            detail["own_account"] = True  # an administrator giving themself a role is worth a flag
        audit_record(request=request, action=Action.ROLES, record=holder, detail=detail)


for _through in _PRIVILEGE_LINKS:
    m2m_changed.connect(_privileges_changed, sender=_through, dispatch_uid=f"audit-privileges-{_through.__name__}")


@receiver(events.recorded, dispatch_uid="audit-recorded")
def _recorded(sender, request, actor, action, detail, record, patient, **kwargs):
    """What a lower layer (accounts, core) asked to be recorded."""
    audit_record(request=request, actor=actor, action=action, detail=detail, record=record, patient=patient)


@receiver(events.admin_changed, dispatch_uid="audit-admin-changed")
def _admin_changed(sender, request, action, obj, message, fields, **kwargs):
    audit_admin_change(request=request, action=action, obj=obj, message=message, fields=fields)

"""Keep the cached group names (accounts.models.group_names) and locations (accounts.locations.
locations_of) true: forget them on any change."""

from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.dispatch import receiver

from .locations import forget_cached_locations, forget_locations, locations_of
from .models import Location, User, forget_group_names
from .tokens import tokens_revoke_all


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="forget-groups-of-users")
def _user_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:  # user.groups.add(...)
        forget_group_names([instance.pk])
    elif pk_set is not None:  # group.user_set.add(...)
        forget_group_names(pk_set)
    else:  # group.user_set.clear(): before it happens, while the members are still known
        forget_group_names(instance.user_set.values_list("pk", flat=True))


@receiver(post_save, sender=Group, dispatch_uid="forget-groups-of-renamed-group")
@receiver(pre_delete, sender=Group, dispatch_uid="forget-groups-of-deleted-group")
def _group_changed(sender, instance, **kwargs):
    forget_group_names(instance.user_set.values_list("pk", flat=True))


@receiver(m2m_changed, sender=User.locations.through, dispatch_uid="forget-locations-of-user")
def _user_locations_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action.startswith("post_") and not reverse:
        forget_locations(instance)  # the list kept on that object for the request
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:  # user.locations.add(...)
        forget_cached_locations([instance.pk])
    elif pk_set is not None:  # location.staff.add(...)
        forget_cached_locations(pk_set)
    else:  # location.staff.clear(): before it happens, while the staff are still known
        forget_cached_locations(instance.staff.values_list("pk", flat=True))


@receiver(post_save, sender=Location, dispatch_uid="forget-locations-of-changed-location")
@receiver(pre_delete, sender=Location, dispatch_uid="forget-locations-of-deleted-location")
def _location_changed(sender, instance, **kwargs):
    # A new name or time zone shows on the staff's next page (a new location has no staff yet).
    forget_cached_locations(instance.staff.values_list("pk", flat=True))


@receiver(user_logged_in, dispatch_uid="locations-at-sign-in")
def _locations_at_sign_in(sender, user, **kwargs):
    # Read into Redis at sign-in (as the second factor's check does the roles), so that the first page
    # is as quick as the next.
    locations_of(user)


@receiver(post_save, sender=User, dispatch_uid="revoke-api-tokens-on-password-change")
def _password_changed(sender, instance, created, **kwargs):
    # set_password() leaves the new raw password in `_password` until save() has run (Django's own
    # hook for password_changed); a hash upgrade at sign-in clears it first, so it revokes nothing.
    if not created and getattr(instance, "_password", None) is not None:
        tokens_revoke_all(user_id=instance.pk)

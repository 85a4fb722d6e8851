import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.roles import STAFF_ROLES, Role


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone."), code="invalid_time_zone", params={"value": value}
        )


class Location(models.Model):
    """A branch of the clinic: its own address, phone and time zone."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=40)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self):
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class User(AbstractUser):
    """Anyone who signs in: staff of any role, or a patient using the portal."""

    locations = models.ManyToManyField(Location, blank=True, related_name="staff", verbose_name=_("locations"))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        names = group_names(self)
        roles = {r for r in Role.values if r in names}
        if self.is_superuser:
            roles.add(Role.ADMINISTRATOR)
        return frozenset(roles)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_clinic_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)


ROLES_CACHE_SECONDS = 300


def _roles_key(user_id: int, joined) -> str:
    # The join time keeps two users apart even where an id comes back (a restored database).
    return f"user-groups:{user_id}:{joined.timestamp() if joined else 0}"


def group_names(user) -> frozenset[str]:
    """A user's group names, from Redis when there (every page asks); the database otherwise.
    Any change to a user's groups, or to a group, forgets the cached names at once (accounts.signals)."""
    from django.core.cache import cache

    key = _roles_key(user.pk, user.date_joined)
    names = cache.get(key)
    if names is None:
        names = frozenset(User.groups.through.objects.filter(user_id=user.pk).values_list("group__name", flat=True))
        cache.set(key, names, ROLES_CACHE_SECONDS)
    return names


def forget_group_names(user_ids) -> None:
    from django.core.cache import cache

    users = User.objects.filter(pk__in=list(user_ids)).values_list("pk", "date_joined")
    cache.delete_many([_roles_key(pk, joined) for pk, joined in users])


class ApiToken(models.Model):
    """A key for the API. Only its SHA-256 is kept; it expires, and a password change revokes it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} · {self.name or self.pk}"

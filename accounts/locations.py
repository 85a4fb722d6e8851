"""Which locations a user works at: the one rule pages, the API and forms ask.

Deny by default: a registrar or clinician works at the locations she is attached to (`User.locations`),
and at none when attached to none. Administrators keep every location's rooms, hours and closures, so
they count as working at all of them (the policy still keeps them out of patients and calendars).
Patients work nowhere.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.roles import Role

from .models import Location, User

_CACHE = "_locations_of_cache"


def locations_of(user) -> list[Location]:
    """The user's locations, by name; the first is the default. Kept on the user for the request;
    a registrar's or clinician's list also in Redis (every page of theirs asks), forgotten by
    accounts.signals on any change to their locations or to a location."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        queryset = Location.objects.order_by("name").only(*_FIELDS)
        if user.has_role(Role.ADMINISTRATOR):
            cached = list(queryset)  # every location: not cached, a new one must show at once
        elif user.is_clinic_staff:
            cached = _staff_locations(user, queryset)
        else:
            cached = []
        setattr(user, _CACHE, cached)
    return cached


LOCATIONS_CACHE_SECONDS = 300
_FIELDS = ("id", "name", "time_zone")


def _version_key(user_id: int, joined) -> str:
    # The join time keeps two users apart even where an id comes back (a restored database).
    return f"user-locations-version:{user_id}:{joined.timestamp() if joined else 0}"


def _staff_locations(user, queryset) -> list[Location]:
    # The list is kept under the user's version, read before the query: a change that commits while
    # this request reads the old rows bumps the version, so the stale list it then stores under the
    # old one is never read (a plain delete-then-set could store it after the delete, for 300 s).
    version_key = _version_key(user.pk, user.date_joined)
    key = f"{version_key}:{cache.get(version_key, 0)}"
    rows = cache.get(key)
    if rows is None:
        rows = list(queryset.filter(staff=user).values_list(*_FIELDS))
        cache.set(key, rows, LOCATIONS_CACHE_SECONDS)
    # The same deferred instances the query gives (another field read loads it), without the query.
    return [Location.from_db(connection.alias, _FIELDS, row) for row in rows]


def _bump(keys) -> None:
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # no version yet: 0 was read, so any other number is new
            cache.add(key, 1, None) or cache.incr(key)


def forget_cached_locations(user_ids) -> None:
    """Forget the users' cached locations: their version goes up now and again at commit, so that a
    page read between the two (still seeing the old rows) stores its list under a dead version."""
    users = User.objects.filter(pk__in=list(user_ids)).values_list("pk", "date_joined")
    keys = [_version_key(pk, joined) for pk, joined in users]
    if keys:
        _bump(keys)
        transaction.on_commit(lambda: _bump(keys))


def location_ids_of(user) -> set[int]:
    return {location.pk for location in locations_of(user)}


def user_works_at(user, location: Location | int | None) -> bool:
    """True when `location` (an instance or an id) is one of the user's."""
    if location is None:
        return False
    location_id = location if isinstance(location, int) else location.pk
    return location_id in location_ids_of(user)


def forget_locations(user) -> None:
    """Drop the per-request list kept on the user object (after her locations change within a request)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def refuse_other_location(request, locations, name: str = "location") -> None:
    """403 when a page's request names a location the user does not work at (the API does the same)."""
    raw = (request.POST if request.method == "POST" else request.GET).get(name, "").strip()
    if raw.isdigit() and int(raw) not in {location.pk for location in locations}:
        raise PermissionDenied(_("You do not work at this location."))

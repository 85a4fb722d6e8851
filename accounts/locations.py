"""Which locations a user works at: the one rule pages, the API and forms ask.

Deny by default: a registrar or clinician works at the locations she is attached to (`User.locations`),
and at none when attached to none. Administrators keep every location's rooms, hours and closures, so
they count as working at all of them (the policy still keeps them out of patients and calendars).
Patients work nowhere.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from core.roles import Role

from .models import Location

_CACHE = "_locations_of_cache"


def locations_of(user) -> list[Location]:
    """The user's locations, by name; the first is the default. One query per request (kept on the user)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        queryset = Location.objects.order_by("name").only("id", "name", "time_zone")
        if user.has_role(Role.ADMINISTRATOR):
            cached = list(queryset)
        elif user.is_clinic_staff:
            cached = list(queryset.filter(staff=user))
        else:
            cached = []
        setattr(user, _CACHE, cached)
    return cached


def location_ids_of(user) -> set[int]:
    return {location.pk for location in locations_of(user)}


def user_works_at(user, location: Location | int | None) -> bool:
    """True when `location` (an instance or an id) is one of the user's."""
    if location is None:
        return False
    location_id = location if isinstance(location, int) else location.pk
    return location_id in location_ids_of(user)


def forget_locations(user) -> None:
    """Drop the per-request cache (after the user's locations change within a request or a test)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def refuse_other_location(request, locations, name: str = "location") -> None:
    """403 when a page's request names a location the user does not work at (the API does the same)."""
    raw = (request.POST if request.method == "POST" else request.GET).get(name, "").strip()
    if raw.isdigit() and int(raw) not in {location.pk for location in locations}:
        raise PermissionDenied(_("You do not work at this location."))

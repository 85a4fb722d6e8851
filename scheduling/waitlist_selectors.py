"""Reads of the waiting list, each scoped to who asks."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from accounts.locations import location_ids_of
from core.policy import require

from .models import WaitlistEntry, WaitlistOffer, WaitlistStatus


def _with_offers(entries):
    offers = WaitlistOffer.objects.select_related("clinician").order_by("created_at", "id")
    return entries.select_related(
        "patient", "procedure", "location", "clinician", "course", "replaces"
    ).prefetch_related(Prefetch("offers", queryset=offers))


def waitlist_visible_to(user, *, status: str | None = WaitlistStatus.WAITING, location_id: int | None = None):
    """The entries at the user's locations, in order of waiting, each with its offers (three queries)."""
    require(user, "waitlist.manage")
    entries = WaitlistEntry.objects.filter(location_id__in=location_ids_of(user))
    if status:
        entries = entries.filter(status=status)
    if location_id:
        entries = entries.filter(location_id=location_id)
    return _with_offers(entries).order_by("created_at", "id")


def waitlist_entry_get_for_user(user, pk: int) -> WaitlistEntry:
    """The entry if the user may manage the list and works at its location; 403 without the role, else 404."""
    require(user, "waitlist.manage")
    entries = WaitlistEntry.objects.filter(location_id__in=location_ids_of(user))
    return get_object_or_404(_with_offers(entries), pk=pk)


def waitlist_of_patient(patient):
    """A patient's own entries, newest first, with what the portal home writes of each (one query:
    the procedure, the location and the cancelled session an entry replaces; not the offers)."""
    entries = WaitlistEntry.objects.filter(patient=patient).select_related("procedure", "location", "replaces")
    return entries.order_by("-created_at", "-id")

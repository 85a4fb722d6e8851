"""The patient's portal: what an export says of it, and what erasing removes (links, calendar address)."""

from __future__ import annotations

from .models import CalendarFeed, PortalLink


def portal_export(patient) -> dict:
    return {
        "calendar_feed": CalendarFeed.objects.filter(patient=patient).exists(),
        "portal_links_sent": PortalLink.objects.filter(patient=patient).count(),
    }


def portal_erase(patient) -> None:
    CalendarFeed.objects.filter(patient=patient).delete()
    PortalLink.objects.filter(patient=patient).delete()

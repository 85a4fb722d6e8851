"""Reads of results, each scoped to who asks: clinicians of the check's location; patients their own."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.locations import location_ids_of
from core.policy import require

from .models import Check, Photo, Trichoscopy


def checks_for_user(user) -> QuerySet[Check]:
    """The checks a clinician may read: those taken at a location they work at (403 without the role)."""
    require(user, "results.view")
    return Check.objects.filter(location_id__in=location_ids_of(user))


def check_get_for_user(user, pk) -> Check:
    """The check if the user may read results and works at its location; else 403 or 404."""
    return get_object_or_404(checks_for_user(user).select_related("patient", "course__procedure", "location"), pk=pk)


def photo_get_for_user(user, pk) -> Photo:
    """A photo of a check the user may read, still shown (not withdrawn or erased); else 403 or 404."""
    require(user, "results.view")
    photos = Photo.objects.filter(
        result_check__location_id__in=location_ids_of(user), withdrawn_at=None, erased_at=None
    )
    return get_object_or_404(photos.select_related("result_check"), pk=pk)


def patient_photo_get(patient, pk) -> Photo:
    """A photo of the patient's own check, still shown; 404 for anyone else's."""
    return get_object_or_404(Photo.objects.filter(patient=patient, withdrawn_at=None, erased_at=None), pk=pk)


def latest_trichoscopies() -> Prefetch:
    """Prefetch of each check's trichoscopy versions, newest first, with their figures and zones."""
    return Prefetch(
        "trichoscopies",
        queryset=Trichoscopy.objects.order_by("-version")
        .prefetch_related("measurements__zone")
        .select_related("signed_by"),
    )


def checks_of_course(course) -> list[Check]:
    """The course's checks in force in time order, with their trichoscopy versions and shown photos (3 queries)."""
    return list(
        Check.objects.in_force()
        .filter(course=course)
        .order_by("taken_at", "id")
        .prefetch_related(
            latest_trichoscopies(),
            Prefetch(
                "photos",
                queryset=Photo.objects.filter(withdrawn_at=None, erased_at=None).order_by("zone", "uploaded_at"),
            ),
        )
    )


def current_trichoscopy(check: Check) -> Trichoscopy | None:
    """The newest version of the check's trichoscopy (from the prefetch of checks_of_course)."""
    versions = list(check.trichoscopies.all())
    return max(versions, key=lambda t: t.version) if versions else None

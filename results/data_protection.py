"""A patient's results, for an export; on anonymisation the photos' files go, the figures stay.

The figures are medical records (kept, as screenings are); a photo shows the person, so its
files (the picture and its thumbnail) are deleted from the storage once the anonymisation
commits, and the row keeps that it existed (`erased_at`), its zone and digest. A review keeps its
rating (the average stays true) but loses its words and its signature, which may identify her.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from patients.data_protection import when

from .models import Check, Photo, Review, Trichoscopy


def results_export(patient) -> dict:
    checks = Check.objects.filter(patient=patient).select_related("course").order_by("taken_at", "id")
    versions = (
        Trichoscopy.objects.filter(patient=patient)
        .select_related("signed_by")
        .prefetch_related("measurements__zone")
        .order_by("result_check_id", "version")
    )
    photos = Photo.objects.filter(patient=patient).order_by("uploaded_at", "id")
    return {
        "results_checks": [_check(c) for c in checks],
        "trichoscopies": [_trichoscopy(t) for t in versions],
        "results_photos": [_photo(p) for p in photos],
        "reviews": [_review(r) for r in Review.objects.filter(patient=patient).order_by("created_at", "id")],
    }


def _review(r) -> dict:
    return {
        "id": r.pk,
        "course": r.course_id,
        "rating": r.rating,
        "comment": r.comment,
        "display_name": r.display_name,
        "status": r.status,
        "created_at": when(r.created_at),
    }


def _check(c) -> dict:
    return {
        "id": c.pk,
        "course": c.course_id,
        "kind": c.kind,
        "after_session": c.after_session,
        "taken_at": when(c.taken_at),
        "withdrawn_at": when(c.withdrawn_at),
        "withdrawal_reason": c.withdrawal_reason,
    }


def _trichoscopy(t) -> dict:
    return {
        "id": t.pk,
        "check": t.result_check_id,
        "version": t.version,
        "amendment_reason": t.amendment_reason,
        "signed_by": str(t.signed_by),
        "signed_at": when(t.signed_at),
        "method": t.method,
        "device": t.device,
        "scale": t.scale,
        "grade": t.grade,
        "notes": t.notes,
        "measurements": [
            {
                "zone": m.zone.code,
                "density": m.density,
                "terminal_share": _number(m.terminal_share),
                "vellus_share": _number(m.vellus_share),
                "mean_diameter": _number(m.mean_diameter),
                "anagen_share": _number(m.anagen_share),
                "telogen_share": _number(m.telogen_share),
            }
            for m in t.measurements.all()
        ],
    }


def _number(value):
    return None if value is None else str(value)


def _photo(p) -> dict:
    """Named with its digest, not embedded: the file is kept on the clinic's storage (a copy on request)."""
    return {
        "id": p.pk,
        "check": p.result_check_id,
        "zone": p.zone,
        "uploaded_at": when(p.uploaded_at),
        "width": p.width,
        "height": p.height,
        "sha256": p.sha256,
        "withdrawn_at": when(p.withdrawn_at),
        "withdrawal_reason": p.withdrawal_reason,
        "erased": p.erased_at is not None,
    }


ANONYMOUS_REVIEWER = "—"


def results_erase(patient) -> None:
    """The photos' files are deleted after the commit (a rolled-back anonymisation keeps them); rows
    stay. Reviews keep their rating only."""
    Review.objects.filter(patient=patient).update(comment="", display_name=ANONYMOUS_REVIEWER)
    photos = list(Photo.objects.filter(patient=patient, erased_at=None))
    if not photos:
        return
    names = [(p.image.storage, name) for p in photos for name in (p.image.name, p.thumbnail.name) if name]
    Photo.objects.filter(pk__in=[p.pk for p in photos]).update(
        erased_at=timezone.now(), image="", thumbnail="", publishable=False
    )

    def delete_files():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)

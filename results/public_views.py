"""The clinic's public pages of results and reviews: no sign-in, nothing that names a patient.

The public photo is re-checked on every request (results.public.published_photo_get), so a withdrawn
consent or photo stops it at once here; a copy a browser or proxy already keeps may live out its
max-age (an hour). Public reads of published photos are not audited: they are public by the
patient's consent and carry no name, and an audit row per anonymous hit would drown the trail.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import public

PUBLIC_MAX_AGE = 3600


@login_not_required
@require_safe
def gallery_view(request, slug: str):
    procedure = public.procedure_get(slug)
    cases = public.gallery(procedure)
    return render(request, "results/public_gallery.html", {"procedure": procedure, "cases": cases})


def _public(response, etag: str):
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _matches(request, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in sent.split(",")) if sent else False


@login_not_required
@require_safe
def photo_view(request, slug: str, token: str):
    """A published photo's thumbnail (the original stays private), after checking it may still be shown."""
    photo = public.published_photo_get(public.procedure_get(slug), token)
    etag = public.photo_etag(photo)
    if _matches(request, etag):
        return _public(HttpResponse(status=304), etag)
    field = photo.thumbnail if photo.thumbnail else photo.image
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    return _public(response, etag)


def _reviews_page(request, *, reviews, title: str, procedure=None, clinician=None):
    shown = list(reviews[:100])
    for review in shown:
        review.shown_clinician = public.clinician_name(review.clinician)
    context = {
        "title": title,
        "procedure": procedure,
        "clinician": clinician,
        "rating": public.rating_of(reviews),
        "reviews": shown,
    }
    return render(request, "results/public_reviews.html", context)


@login_not_required
@require_safe
def procedure_reviews_view(request, slug: str):
    procedure = public.procedure_get(slug)
    reviews = public.approved_reviews(procedure=procedure)
    return _reviews_page(request, reviews=reviews, title=procedure.name, procedure=procedure)


@login_not_required
@require_safe
def clinician_reviews_view(request, pk: int):
    clinician = public.public_clinician_get(pk)
    reviews = public.approved_reviews(clinician=clinician)
    return _reviews_page(request, reviews=reviews, title=public.clinician_name(clinician), clinician=clinician)

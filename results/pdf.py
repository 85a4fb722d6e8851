"""The before-and-after as a PDF for the patient (WeasyPrint, the DejaVu font embedded as consents do).

Written in the patient's language (Russian unless they chose English). The photos live in the private
storage, which has no URL: each is read from the storage and embedded as a data: URI, so WeasyPrint
never fetches anything over the network (its url_fetcher refuses everything but the font files).
"""

from __future__ import annotations

import base64

from django.template.loader import render_to_string
from django.utils import timezone, translation

from consents.pdf import FONT_DIR
from core.branding import clinic

from . import comparison as changes
from .compare_selectors import Comparison, plain_sentences, trend_of


def _font_faces() -> str:
    faces = []
    for weight, name in (("normal", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf")):
        path = FONT_DIR / name
        if path.exists():
            faces.append(
                f"@font-face {{ font-family: 'Clinic Sans'; font-weight: {weight}; src: url('{path.as_uri()}'); }}"
            )
    return "\n".join(faces)


def photo_data_uri(photo) -> str:
    """The photo's JPEG from the private storage as a data: URI ("" if it has none)."""
    if photo is None or not photo.shown or not photo.image:
        return ""
    with photo.image.open("rb") as stored:
        return "data:image/jpeg;base64," + base64.b64encode(stored.read()).decode("ascii")


def _local_fetcher():
    """WeasyPrint's fetcher for this document: the font files and data: URIs, nothing else."""
    from weasyprint.urls import URLFetcher

    class LocalFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:") or url.startswith(FONT_DIR.as_uri() + "/"):
                return super().fetch(url, headers)
            raise ValueError(f"not fetched: {url[:80]}")

    return LocalFilesOnly(allowed_protocols={"file", "data"})


def comparison_html(result: Comparison, *, patient) -> str:
    """The PDF's HTML, in the patient's preferred language, the photos embedded as data: URIs."""
    with translation.override(patient.preferred_language or "ru"), timezone.override(patient.home_location.tz):
        trend, zone = trend_of(result.checks)  # the chart's words in the patient's language
        return render_to_string(
            "results/compare_pdf.html",
            {
                "result": result,
                "patient": patient,
                "course": result.course,
                "rows": changes.table(result.zones),
                "sentences": plain_sentences(result),
                "trend": trend,
                "trend_zone": zone,
                "photos": [(pair, photo_data_uri(pair.before), photo_data_uri(pair.after)) for pair in result.photos],
                "clinic": clinic(),
                "issued": timezone.localdate(),
                "font_faces": _font_faces(),
                "language": patient.preferred_language or "ru",
            },
        )


def comparison_pdf(result: Comparison, *, patient) -> bytes:
    """The comparison of `result` as PDF bytes, in the patient's preferred language."""
    from weasyprint import HTML  # heavy (Pango through cffi): loaded only when a PDF is asked for

    html = comparison_html(result, patient=patient)
    return HTML(string=html, base_url=str(FONT_DIR), url_fetcher=_local_fetcher()).write_pdf()

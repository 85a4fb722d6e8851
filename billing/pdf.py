"""The certificate of payment for medical services, for the patient's tax deduction (КНД 1151156),
as a PDF: always in Russian (it goes to the tax service), the font embedded (WeasyPrint, as consents)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consents.pdf import FONT_DIR

from .money import rub


def _font_faces() -> str:
    faces = []
    for weight, name in (("normal", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf")):
        path = FONT_DIR / name
        if path.exists():
            faces.append(
                f"@font-face {{ font-family: 'Clinic Sans'; font-weight: {weight}; src: url('{path.as_uri()}'); }}"
            )
    return "\n".join(faces)


def tax_certificate_pdf(*, patient, year: int, paid) -> bytes:
    from weasyprint import HTML  # heavy (Pango through cffi): loaded only when a PDF is asked for

    with translation.override("ru"):
        html = render_to_string(
            "billing/tax_certificate.html",
            {
                "patient": patient,
                "year": year,
                "paid": rub(paid),
                "issued": timezone.localdate(timezone=patient.home_location.tz),
                "clinic": {
                    "name": settings.CLINIC_LEGAL_NAME,
                    "inn": settings.CLINIC_INN,
                    "licence": settings.CLINIC_LICENCE,
                },
                "font_faces": _font_faces(),
            },
        )
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()

"""A printable PDF of one signed form (WeasyPrint: Pango lays out the Cyrillic, the font is embedded).

The font is DejaVu Sans, loaded from its file (Debian's fonts-dejavu-core) when it is there, else
found by fontconfig under its name; either way WeasyPrint embeds the glyphs it uses.
"""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from .signature import as_data_url

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _font_faces() -> str:
    faces = []
    for weight, name in (("normal", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf")):
        path = FONT_DIR / name
        if path.exists():
            faces.append(
                f"@font-face {{ font-family: 'Clinic Sans'; font-weight: {weight}; src: url('{path.as_uri()}'); }}"
            )
    return "\n".join(faces)


def consent_pdf(consent, *, clinic) -> bytes:
    """The signed (or refused) form as PDF bytes, in the language it was signed in."""
    from weasyprint import HTML  # heavy (Pango through cffi): loaded only when a PDF is asked for

    with translation.override(consent.language):
        html = render_to_string(
            "consents/pdf.html",
            {
                "consent": consent,
                "clinic": clinic,
                "font_faces": _font_faces(),
                "signature": as_data_url(consent.signature_png),
                "paragraphs": [p for p in consent.text.split("\n\n") if p.strip()],
            },
        )
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()

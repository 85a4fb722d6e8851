"""A signature drawn on the screen arrives as a PNG data URL: decode it, check it, re-encode it.

Re-encoding keeps only pixels (no metadata, nothing that is not an image). Limits: the upload's
size, the image's dimensions, and it must not be blank.

A typed signature is the patient's full name as registered: the same words, whatever the case,
ё or е, spacing and order.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageChops, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
MAX_BYTES = 512 * 1024
MAX_WIDTH, MAX_HEIGHT = 2000, 1200
MIN_WIDTH, MIN_HEIGHT = 100, 40
MIN_INKED_PIXELS = 50


def _refuse(message: str) -> ValidationError:
    return ValidationError({"signature": ValidationError(message, code="invalid_signature")})


def signature_png(data_url: str) -> bytes:
    """The drawn signature as clean PNG bytes, or ValidationError (code invalid_signature)."""
    if not data_url or not data_url.startswith(PREFIX):
        raise _refuse(_("Sign in the box with a finger or a stylus."))
    payload = data_url[len(PREFIX) :]
    if len(payload) > MAX_BYTES * 4 // 3 + 4:
        raise _refuse(_("The signature image is too large."))
    try:
        raw = base64.b64decode(payload, validate=True)
        image = Image.open(io.BytesIO(raw))
        if image.format != "PNG":
            raise _refuse(_("The signature must be a PNG image."))
        width, height = image.size
        if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
            raise _refuse(_("The signature image has an unexpected size."))
        image = image.convert("RGBA")
    except (binascii.Error, UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise _refuse(_("The signature could not be read. Sign again.")) from None
    alpha = image.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    grey = image.convert("L").point(lambda v: 255 if v < 200 else 0)
    inked = ImageChops.multiply(alpha, grey).histogram()[255]  # opaque and dark
    if inked < MIN_INKED_PIXELS:
        raise _refuse(_("The signature box is empty. Sign with a finger or a stylus."))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def as_data_url(png: bytes | memoryview | None) -> str:
    return PREFIX + base64.b64encode(bytes(png)).decode() if png else ""


def _name_words(name: str) -> Counter:
    return Counter(name.casefold().replace("ё", "е").split())


def typed_name_matches(typed: str, full_name: str) -> bool:
    """Every word of the registered full name, and nothing else (case, ё/е, spaces and order aside)."""
    expected = _name_words(full_name)
    return bool(expected) and _name_words(typed) == expected

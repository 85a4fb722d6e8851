"""Pictures people upload (a patient's photo of a reaction, a check's standard photos), made safe to keep.

A file is an image because Pillow decodes it, not because of its name or Content-Type: a PHP script
renamed `.jpg` is refused. Its size in bytes and in pixels is bounded before it is decoded (a small
PNG can unpack to gigabytes: a "decompression bomb"). It is turned upright as the camera held it
(EXIF orientation) and re-encoded as a new JPEG, so no metadata (EXIF: GPS position, device, time;
XMP; ICC) survives. Thumbnails are made from the cleaned picture, once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"})  # MPO: what some phones call a JPEG
JPEG_QUALITY = 88


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one kind of upload may be: bytes, pixels (width × height) and the long side kept."""

    max_bytes: int
    max_pixels: int
    max_side: int = 4000


@dataclasses.dataclass(frozen=True)
class CleanImage:
    """A re-encoded JPEG without metadata, with its size and digest."""

    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def as_file(self, name: str = "photo.jpg") -> ContentFile:
        return ContentFile(self.data, name=name)


def _refusal(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _too_many_pixels(field: str, limits: Limits) -> ValidationError:
    return _refusal(
        field,
        _("The picture has too many pixels: at most %(mp)d megapixels.") % {"mp": limits.max_pixels // 1_000_000},
        "photo_too_many_pixels",
    )


def _encode(image: Image.Image, max_side: int) -> CleanImage:
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY)  # a new file: no EXIF, ICC or XMP is written
    return CleanImage(out.getvalue(), image.width, image.height)


def clean_image(upload, *, limits: Limits, field: str = "photo") -> CleanImage:
    """The upload decoded, upright, re-encoded as JPEG without metadata; else ValidationError with a code.

    Codes: photo_too_large (bytes), photo_too_many_pixels (a bomb, or just too big), photo_invalid.
    """
    if upload.size > limits.max_bytes:
        raise _refusal(
            field,
            _("The photo is too large: at most %(mb)d MB.") % {"mb": limits.max_bytes // (1024 * 1024)},
            "photo_too_large",
        )
    invalid = _refusal(
        field, _("This file is not a photo we can read. Send a JPEG, PNG or WebP picture."), "photo_invalid"
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow warns past Image.MAX_IMAGE_PIXELS and raises past twice that: both are refusals here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:  # reads the header only
                if probe.format not in FORMATS:
                    raise invalid
                if probe.width * probe.height > limits.max_pixels:
                    raise _too_many_pixels(field, limits)
                probe.verify()  # a truncated or forged file fails here
            upload.seek(0)
            with Image.open(upload) as image:
                image = ImageOps.exif_transpose(image)  # upright as taken, then the EXIF goes
                image = image.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(field, limits) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Warning):
        raise invalid from None
    return _encode(image, limits.max_side)


def thumbnail(clean: CleanImage, side: int = 400) -> CleanImage:
    """A smaller copy of a cleaned picture (its long side `side` pixels at most)."""
    with Image.open(io.BytesIO(clean.data)) as image:
        image.load()
        return _encode(image.convert("RGB"), side)

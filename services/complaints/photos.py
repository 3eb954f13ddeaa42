"""Complaint photos: only real images, size-capped, re-encoded so EXIF/GPS and other metadata are gone."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from services.complaints.errors import InvalidPhoto

MAX_PHOTOS = 5
MAX_BYTES = 3 * 1024 * 1024
MAX_PIXELS = 40_000_000  # decompression-bomb guard, well above any phone camera
MAX_SIDE = 2560  # stored photos are scaled down to this; plenty for an officer to see a pothole
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int


def _fail(index: int, message: str) -> InvalidPhoto:
    return InvalidPhoto(message, errors={"json": {"photos": {str(index): [message]}}})


def clean(raw: bytes, index: int = 0) -> CleanPhoto:
    """Validate one upload and re-encode it without metadata (orientation applied first)."""
    if len(raw) > MAX_BYTES:
        raise _fail(index, "Photo larger than 3 MB")
    if not raw:
        raise _fail(index, "Empty photo")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if fmt not in FORMATS:
                raise _fail(index, "Only JPEG, PNG or WebP photos are accepted")
            if probe.width * probe.height > MAX_PIXELS:
                raise _fail(index, "Photo has too many pixels")
            probe.verify()  # structure check; the image must be reopened afterwards
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            if fmt == "PNG":
                mode = image.mode if image.mode in ("RGB", "RGBA", "L", "LA", "P") else "RGBA"
                image = image if image.mode == mode else image.convert(mode)
            else:
                mode, image = "RGB", image.convert("RGB")
            # Rebuilt from raw pixels: no EXIF, GPS, XMP, ICC or text chunk can survive.
            fresh = Image.frombytes(mode, image.size, image.tobytes())
            if mode == "P":
                fresh.putpalette(image.getpalette() or [])
            if fmt == "PNG":
                fresh.save(out, "PNG", optimize=True)
            else:
                fresh.save(out, fmt, quality=85)
            width, height = fresh.size
    except InvalidPhoto:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _fail(index, "Not a valid image") from exc
    return CleanPhoto(out.getvalue(), FORMATS[fmt], width, height)


def clean_all(uploads: list[bytes]) -> list[CleanPhoto]:
    if len(uploads) > MAX_PHOTOS:
        raise InvalidPhoto("At most 5 photos", errors={"json": {"photos": [f"at most {MAX_PHOTOS} photos"]}})
    return [clean(raw, i) for i, raw in enumerate(uploads)]

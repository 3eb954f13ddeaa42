"""Uploads: size limits, the type told by the content's magic bytes, images re-encoded without metadata.

The kernel says *what* is wrong (`UploadProblem.kind`); each service turns that into its own error
(reason and wording), because a citizen's complaint photo and a hospital's attachment fail differently.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 24_000_000
"""Decompression-bomb guard, read from the header before anything is decoded: a 24 MP camera (6000×4000)
passes; five 6300×6300 PNGs (40 MP each) took 8.5 s of CPU and ~590 MB to decode under the old 40 MP."""


class UploadProblem(ValueError):
    """kind: not_base64 | empty | too_large | type_not_allowed | type_mismatch | too_many_pixels | not_an_image"""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise UploadProblem("not_base64") from None


def check_type(content_type: str) -> None:
    """A declared type we accept (PDF, JPEG, PNG)."""
    if content_type not in MAGIC:
        raise UploadProblem("type_not_allowed")


def check_file(data: bytes, *, content_type: str, max_bytes: int) -> bytes:
    """A declared type we accept, not empty, at most `max_bytes`, and content that starts as the type says."""
    check_type(content_type)
    if not data:
        raise UploadProblem("empty")
    if len(data) > max_bytes:
        raise UploadProblem("too_large")
    if not data.startswith(MAGIC[content_type]):
        raise UploadProblem("type_mismatch")
    return data


def clean_image(
    raw: bytes, *, max_bytes: int, max_side: int, formats: dict[str, str] = IMAGE_FORMATS
) -> CleanImage:
    """Validate an image and re-encode it from raw pixels (orientation applied, scaled to `max_side`):
    no EXIF, GPS, XMP, ICC or text chunk survives."""
    if len(raw) > max_bytes:
        raise UploadProblem("too_large")
    if not raw:
        raise UploadProblem("empty")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if fmt not in formats:
                raise UploadProblem("type_not_allowed")
            if probe.width * probe.height > MAX_PIXELS:
                raise UploadProblem("too_many_pixels")
            probe.verify()  # structure check; the image must be reopened afterwards
        with Image.open(io.BytesIO(raw)) as image:
            if fmt == "JPEG":
                image.draft("RGB", (max_side, max_side))  # decoded at 1/2…1/8 scale: a fraction of the work
            image.load()
            fresh = _without_metadata(image, fmt, max_side)
            out = io.BytesIO()
            if fmt == "PNG":
                fresh.save(out, "PNG", optimize=True)
            else:
                fresh.save(out, fmt, quality=85)
    except UploadProblem:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadProblem("not_an_image") from exc
    return CleanImage(out.getvalue(), formats[fmt], *fresh.size)


def _without_metadata(image: Image.Image, fmt: str, max_side: int) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    image.thumbnail((max_side, max_side))
    if fmt == "PNG":
        mode = image.mode if image.mode in ("RGB", "RGBA", "L", "LA", "P") else "RGBA"
        image = image if image.mode == mode else image.convert(mode)
    else:
        mode, image = "RGB", image.convert("RGB")
    fresh = Image.frombytes(mode, image.size, image.tobytes())
    if mode == "P":
        fresh.putpalette(image.getpalette() or [])
    return fresh

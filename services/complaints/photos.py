"""Complaint photos: only real images, size-capped, re-encoded so EXIF/GPS and other metadata are gone
(gateway.kernel.uploads.clean_image); the problems worded for the reporter."""

from __future__ import annotations

from gateway.kernel.uploads import CleanImage, UploadProblem, clean_image
from services.complaints.errors import InvalidPhoto

MAX_PHOTOS = 5
MAX_BYTES = 3 * 1024 * 1024
MAX_SIDE = 2560  # stored photos are scaled down to this; plenty for an officer to see a pothole
MESSAGES = {
    "too_large": "Photo larger than 3 MB",
    "empty": "Empty photo",
    "type_not_allowed": "Only JPEG, PNG or WebP photos are accepted",
    "too_many_pixels": "Photo has too many pixels",
    "not_an_image": "Not a valid image",
}


def _fail(index: int, message: str) -> InvalidPhoto:
    return InvalidPhoto(message, errors={"json": {"photos": {str(index): [message]}}})


def clean(raw: bytes, index: int = 0) -> CleanImage:
    """Validate one upload and re-encode it without metadata (orientation applied first)."""
    try:
        return clean_image(raw, max_bytes=MAX_BYTES, max_side=MAX_SIDE)
    except UploadProblem as problem:
        raise _fail(index, MESSAGES[problem.kind]) from None


def clean_all(uploads: list[bytes]) -> list[CleanImage]:
    if len(uploads) > MAX_PHOTOS:
        raise InvalidPhoto("At most 5 photos", errors={"json": {"photos": [f"at most {MAX_PHOTOS} photos"]}})
    return [clean(raw, i) for i, raw in enumerate(uploads)]

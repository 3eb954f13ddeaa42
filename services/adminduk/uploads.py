"""Supporting documents uploaded as base64 in JSON: type checked by magic bytes, size limited."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from gateway.errors import ValidationFailed

MAX_BYTES = 2 * 1024 * 1024
MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


def decode(attachment: dict[str, Any], *, field: str = "attachment", max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, once its base64, size and declared type (checked against its content) are fine."""
    content_type = attachment.get("content_type", "")
    if content_type not in MAGIC:
        raise ValidationFailed(
            "Only PDF, JPEG or PNG files are accepted",
            reason="attachment_type_not_allowed",
            errors={"json": {field: {"content_type": ["Must be application/pdf, image/jpeg or image/png"]}}},
        )
    try:
        data = base64.b64decode(attachment.get("data", ""), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "The file is not valid base64",
            reason="attachment_not_base64",
            errors={"json": {field: {"data": ["Not valid base64"]}}},
        ) from None
    if not data:
        raise ValidationFailed(
            "The file is empty", reason="attachment_empty", errors={"json": {field: {"data": ["Empty file"]}}}
        )
    if len(data) > max_bytes:
        raise ValidationFailed(
            f"The file is larger than {max_bytes // (1024 * 1024)} MB",
            reason="attachment_too_large",
            errors={"json": {field: {"data": [f"At most {max_bytes} bytes"]}}},
        )
    if not data.startswith(MAGIC[content_type]):
        raise ValidationFailed(
            f"The file's content is not {content_type}",
            reason="attachment_type_mismatch",
            errors={"json": {field: {"data": [f"Content does not match {content_type}"]}}},
        )
    return data

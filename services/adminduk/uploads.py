"""Supporting documents uploaded as base64 in JSON: type checked by magic bytes, size limited
(gateway.kernel.uploads); the problems worded and coded as adminduk's callers know them."""

from __future__ import annotations

from typing import Any

from gateway.errors import ValidationFailed
from gateway.kernel.uploads import UploadProblem, check_file, check_type, decode_base64

MAX_BYTES = 2 * 1024 * 1024


def _rejected(problem: str, field: str, content_type: str, max_bytes: int) -> ValidationFailed:
    message, reason, where, detail = {
        "type_not_allowed": (
            "Only PDF, JPEG or PNG files are accepted",
            "attachment_type_not_allowed",
            "content_type",
            "Must be application/pdf, image/jpeg or image/png",
        ),
        "not_base64": ("The file is not valid base64", "attachment_not_base64", "data", "Not valid base64"),
        "empty": ("The file is empty", "attachment_empty", "data", "Empty file"),
        "too_large": (
            f"The file is larger than {max_bytes // (1024 * 1024)} MB",
            "attachment_too_large",
            "data",
            f"At most {max_bytes} bytes",
        ),
        "type_mismatch": (
            f"The file's content is not {content_type}",
            "attachment_type_mismatch",
            "data",
            f"Content does not match {content_type}",
        ),
    }[problem]
    return ValidationFailed(
        message,
        reason=reason,  # reasons: attachment_type_not_allowed, attachment_not_base64, attachment_empty, attachment_too_large, attachment_type_mismatch
        errors={"json": {field: {where: [detail]}}},
    )


def decode(attachment: dict[str, Any], *, field: str = "attachment", max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, once its base64, size and declared type (checked against its content) are fine."""
    content_type = attachment.get("content_type", "")
    try:
        check_type(content_type)  # before decoding: a wrong type is named as such, whatever the data
        data = decode_base64(attachment.get("data", ""))
        return check_file(data, content_type=content_type, max_bytes=max_bytes)
    except UploadProblem as problem:
        raise _rejected(problem.kind, field, content_type, max_bytes) from None

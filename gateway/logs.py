"""Logging: a request id in every line, JSON in production, NIK/phone/secrets masked everywhere."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import g, has_request_context

NIK_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
PHONE_IN_TEXT = re.compile(r"(?<![\d])(\+?62|0)(8\d{2})\d{3,6}(\d{3})(?!\d)")
SECRET_FIELDS = re.compile(
    r"""(?i)(["']?(?:password|otp|token|access_token|refresh_token|client_secret|secret|authorization)["']?"""
    r"""\s*[:=]\s*["']?(?:bearer\s+)?)([^"',\s}&]+)"""
)
BEARER_OR_JWT = re.compile(r"(?i)(?<=bearer )(?!\*\*\*)[^\s\"',]+|\beyJ[\w-]+\.[\w-]+\.[\w-]*")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:5] + "*" * max(len(phone) - 8, 0) + phone[-3:] if len(phone) > 8 else "***"


def scrub(text: str) -> str:
    """Mask NIKs (keep region and serial), phone numbers and secret values in free text."""
    text = SECRET_FIELDS.sub(lambda m: m.group(1) + "***", text)
    text = BEARER_OR_JWT.sub("***", text)
    text = NIK_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    return PHONE_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + "****" + m.group(3), text)


class ScrubFilter(logging.Filter):
    """Applied to every handler, so no module can log a full NIK by accident."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = scrub(message), ()
        if record.exc_info and not record.exc_text:
            # Format the traceback here, scrubbed; handlers then reuse this cached text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        record.request_id = (
            g.get("request_id", "-") if has_request_context() else getattr(record, "request_id", "-")
        )
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms", "job", "outbox_id"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def configure(json_logs: bool, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if getattr(root, "_siantar_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ScrubFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_logs
        else logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    root.handlers = [handler]
    root.setLevel(level)
    root._siantar_configured = True  # type: ignore[attr-defined]

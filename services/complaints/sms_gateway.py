"""The messaging provider's inbound webhook (SMS / WhatsApp to the city's number) and its simulator.

The provider signs every call: `X-Signature` = hex HMAC-SHA256 of the raw request body with the
shared secret (config WEBHOOK_SECRET_SMS), `X-Timestamp` = Unix seconds when it was sent; calls
older (or newer) than 5 minutes are refused. A replayed body inside that window is harmless: each
provider message id is handled once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from gateway.errors import Unauthorized

MAX_SKEW_SECONDS = 300
PATH = "/api/v1/complaints/inbound/sms"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(
    secret: str, body: bytes, signature: str | None, timestamp: str | None, *, now: float | None = None
) -> None:
    """Raise 401 unless the body carries the provider's valid signature and a fresh timestamp."""
    if not signature or not timestamp:
        raise Unauthorized("X-Signature and X-Timestamp are required", reason="signature_missing")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthorized("X-Timestamp must be Unix seconds", reason="invalid_timestamp") from None
    current = now if now is not None else time.time()
    if abs(current - sent) > MAX_SKEW_SECONDS:
        raise Unauthorized("Webhook call too old (or from the future)", reason="stale_webhook")
    if not hmac.compare_digest(sign(secret, body), signature.strip().lower()):
        raise Unauthorized("Invalid webhook signature", reason="invalid_signature")


def simulate_inbound(
    client: Any,
    *,
    secret: str,
    text: str,
    sender: str,
    message_id: str | None = None,
    channel: str = "sms",
    received_at: datetime | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
) -> Any:
    """Post a message to our webhook exactly as the provider does (signed JSON body).

    `client` is anything with Flask's test-client `post(path, data=, headers=)`; returns its response.
    `timestamp`/`signature` let a caller forge stale or bad calls.
    """
    payload = {
        "message_id": message_id or f"sim-{secrets.token_hex(8)}",
        "from": sender,
        "text": text,
        "channel": channel,
        "received_at": (received_at or datetime.now(UTC)).isoformat(),
    }
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Signature": signature if signature is not None else sign(secret, body),
        "X-Timestamp": str(timestamp if timestamp is not None else int(time.time())),
    }
    return client.post(PATH, data=body, headers=headers)

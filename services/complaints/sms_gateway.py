"""The messaging provider's inbound webhook (SMS / WhatsApp to the city's number) and its simulator.

The provider signs every call: `X-Timestamp` = Unix seconds when it was sent, `X-Signature` = hex
HMAC-SHA256 of `X-Timestamp + "." + raw body` with the shared secret (config WEBHOOK_SECRET_SMS).
The timestamp is inside the signature, so an old body cannot be replayed with a fresh timestamp;
calls older (or newer) than 5 minutes are refused, and the message's own `received_at` must lie
between a day before the call and the call (a provider retries for at most a day). A replayed call
inside the 5 minutes is harmless: each provider message id is handled once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.errors import Unauthorized, ValidationFailed

MAX_SKEW_SECONDS = 300
MAX_DELIVERY_DELAY = timedelta(days=1)
PATH = "/api/v1/complaints/inbound/sms"


def sign(secret: str, body: bytes, timestamp: str | int) -> str:
    """The provider's signature: HMAC-SHA256 over `timestamp + "." + body`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(
    secret: str, body: bytes, signature: str | None, timestamp: str | None, *, now: float | None = None
) -> None:
    """Raise 401 unless the body carries the provider's valid signature and a fresh timestamp."""
    if not signature or not timestamp:
        raise Unauthorized("X-Signature and X-Timestamp are required", reason="signature_missing")
    timestamp = timestamp.strip()
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Unauthorized("X-Timestamp must be Unix seconds", reason="invalid_timestamp")
    sent = int(timestamp)
    current = now if now is not None else time.time()
    if abs(current - sent) > MAX_SKEW_SECONDS:
        raise Unauthorized("Webhook call too old (or from the future)", reason="stale_webhook")
    if not hmac.compare_digest(sign(secret, body, timestamp), signature.strip().lower()):
        raise Unauthorized("Invalid webhook signature", reason="invalid_signature")


def check_received_at(received_at: datetime, timestamp: str) -> None:
    """422 unless the message was received at most a day before the (verified) call, and not after it."""
    sent = datetime.fromtimestamp(int(timestamp), UTC)
    if not sent - MAX_DELIVERY_DELAY <= received_at <= sent + timedelta(seconds=MAX_SKEW_SECONDS):
        raise ValidationFailed(
            "received_at must lie within the day before X-Timestamp", reason="received_at_out_of_range"
        )


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
    sent = str(timestamp if timestamp is not None else int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Signature": signature if signature is not None else sign(secret, body, sent),
        "X-Timestamp": sent,
    }
    return client.post(PATH, data=body, headers=headers)

"""SNAP BI (Standar Nasional Open API Pembayaran) signatures and message shapes, shared by our client,
our notification endpoint and the acquirer simulator — each side with its own keys.

- Access token (B2B): X-SIGNATURE = base64(SHA256withRSA(private key, "clientId|X-TIMESTAMP")).
- Service calls (symmetric): X-SIGNATURE = base64(HMAC-SHA512(client secret,
  "METHOD:path:accessToken:lowercase-hex(SHA256(minified body)):X-TIMESTAMP")).
- Notifications (asymmetric, from the acquirer): X-SIGNATURE = base64(SHA256withRSA(acquirer's key,
  "METHOD:path:lowercase-hex(SHA256(minified body)):X-TIMESTAMP")).

X-TIMESTAMP is ISO 8601 with the offset, e.g. 2026-12-02T08:15:00+07:00. A body is "minified" as JSON
without whitespace between tokens; we sign and verify the exact bytes sent (minified when they are JSON).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

TIMESTAMP_SKEW = timedelta(minutes=5)

# Response codes: HTTP status (3 digits) + service code (2) + case (2).
SERVICE_TOKEN, SERVICE_QR_GENERATE, SERVICE_QR_QUERY = "73", "47", "51"
SERVICE_QR_NOTIFY, SERVICE_QR_REFUND = "52", "78"


def code(http: int, service: str, case: str = "00") -> str:
    return f"{http}{service}{case}"


def minify(body: Any) -> str:
    """The canonical JSON text of a body: no whitespace between tokens, non-ASCII kept as is."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def minify_raw(raw: bytes) -> str:
    """Minify the bytes received (JSON re-serialised without whitespace; other bytes as text)."""
    try:
        return minify(json.loads(raw))
    except ValueError:
        return raw.decode("utf-8", "replace")


def body_digest(minified: str) -> str:
    return hashlib.sha256(minified.encode()).hexdigest().lower()


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def parse_timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def fresh(text: str | None, now: datetime, *, skew: timedelta = TIMESTAMP_SKEW) -> bool:
    """True when X-TIMESTAMP is a valid moment within `skew` of now (either side)."""
    moment = parse_timestamp(text)
    return moment is not None and abs(now - moment) <= skew


# ---- keys ---------------------------------------------------------------------------------------


def new_private_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: RSAPrivateKey | RSAPublicKey) -> str:
    public = key.public_key() if isinstance(key, RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_private(pem: str) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, RSAPrivateKey)
    return key


def load_public(pem: str) -> RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, RSAPublicKey)
    return key


# ---- signatures ---------------------------------------------------------------------------------


def rsa_sign(key: RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: RSAPublicKey, text: str, signature: str | None) -> bool:
    if not signature:
        return False
    try:
        key.verify(
            base64.b64decode(signature, validate=True), text.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def token_string(client_id: str, ts: str) -> str:
    return f"{client_id}|{ts}"


def service_string(method: str, path: str, access_token: str, minified: str, ts: str) -> str:
    return f"{method.upper()}:{path}:{access_token}:{body_digest(minified)}:{ts}"


def notify_string(method: str, path: str, minified: str, ts: str) -> str:
    return f"{method.upper()}:{path}:{body_digest(minified)}:{ts}"


def hmac_sign(secret: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha512).digest()).decode()


def hmac_verify(secret: str, text: str, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(hmac_sign(secret, text), signature or "")


def amount_value(rupiah: int) -> dict[str, str]:
    """SNAP's amount object: a string with two decimals and the currency."""
    return {"value": f"{rupiah}.00", "currency": "IDR"}


def rupiah_of(amount: Any) -> tuple[int | None, str | None]:
    """(whole rupiah, currency) of a SNAP amount object; (None, …) when it is not a whole amount."""
    if not isinstance(amount, dict):
        return None, None
    value, currency = amount.get("value"), amount.get("currency")
    if not isinstance(value, str):
        return None, currency if isinstance(currency, str) else None
    whole, dot, cents = value.partition(".")
    if not whole.isdigit() or (dot and (not cents.isdigit() or cents.strip("0"))):
        return None, currency if isinstance(currency, str) else None
    return int(whole), currency if isinstance(currency, str) else None

"""argon2id hashing for passwords, client secrets and OTPs."""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from flask import current_app

_PRODUCTION = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
_TEST = PasswordHasher.from_parameters(CHEAPEST)  # tests only: hashing cost is not under test


def _hasher() -> PasswordHasher:
    return _TEST if current_app.config.get("APP_ENV") == "test" else _PRODUCTION


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def digest(value: str) -> str:
    """Keyed SHA-256 for short-lived secrets (OTP, refresh tokens) that we look up by value."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def dummy_verify(password: str) -> None:
    """Verify against a fixed hash of the current hasher when there is no account to check (missing,
    closed), so the answer costs the same argon2 work as a real one and timing reveals nothing."""
    hasher = _hasher()
    stored = _DUMMY.get(id(hasher))
    if stored is None:
        stored = _DUMMY[id(hasher)] = hasher.hash("not-a-real-password")
    verify_password(stored, password)


_DUMMY: dict[int, str] = {}

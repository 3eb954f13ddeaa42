"""Access tokens (EdDSA JWTs), the Principal of a request, and role/scope checks."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app, g, has_request_context

from gateway.errors import Forbidden, Unauthorized

ALGORITHM = "EdDSA"
ROLES = ("citizen", "admin", "officer", "counter", "attendant", "finance", "client")
STAFF_ROLES = ("admin", "officer", "counter", "attendant", "finance")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a citizen, a staff member or a machine client, with what rights.

    Passed explicitly into service functions; nothing below routes reads flask.g.
    """

    kind: str  # citizen | staff | client
    id: str
    role: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    opd: str | None = None
    facility: str | None = None
    zones: tuple[str, ...] = ()
    resident_id: str | None = None  # citizens: their row in the population registry
    jti: str | None = None
    exp: int | None = None
    iat: float | None = None  # issued at (epoch seconds, ms precision): compared with the account's cutoff
    on_behalf_of: str | None = None  # resident id a counter officer is serving (X-On-Behalf-Of)
    on_behalf_reason: str | None = None

    @property
    def is_citizen(self) -> bool:
        return self.kind == "citizen"

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_client(self) -> bool:
        return self.kind == "client"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"This action needs role {' or '.join(roles)}", reason="role_required")

    def require_scope(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"This client lacks scope {scope}", reason="scope_required")

    def label(self) -> str:
        """A short, non-personal description for audit rows."""
        parts = [self.role]
        if self.opd:
            parts.append(self.opd)
        if self.facility:
            parts.append(self.facility)
        return ":".join(parts)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class KeyRing:
    """The signing key plus retired public keys still accepted (key rotation)."""

    def __init__(self, private_key: Ed25519PrivateKey, previous: list[Ed25519PublicKey]) -> None:
        self.private_key = private_key
        self.public_keys: dict[str, Ed25519PublicKey] = {}
        self.kid = self._kid(private_key.public_key())
        self.public_keys[self.kid] = private_key.public_key()
        for key in previous:
            self.public_keys[self._kid(key)] = key

    @staticmethod
    def _raw(key: Ed25519PublicKey) -> bytes:
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @classmethod
    def _kid(cls, key: Ed25519PublicKey) -> str:
        # RFC 7638 thumbprint of the OKP JWK.
        jwk = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64url(cls._raw(key))}, separators=(",", ":"))
        return _b64url(hashlib.sha256(jwk.encode()).digest())

    def jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": ALGORITHM,
                    "use": "sig",
                    "kid": kid,
                    "x": _b64url(self._raw(key)),
                }
                for kid, key in self.public_keys.items()
            ]
        }

    @classmethod
    def load(cls, private_file: str, previous_files: str = "") -> KeyRing:
        path = Path(private_file)
        if not path.exists():
            _generate_key_file(path)
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise RuntimeError("JWT_PRIVATE_KEY_FILE must hold an Ed25519 private key")
        previous = []
        for name in filter(None, (p.strip() for p in previous_files.split(","))):
            key = serialization.load_pem_public_key(Path(name).read_bytes())
            if isinstance(key, Ed25519PublicKey):
                previous.append(key)
        return cls(private_key, previous)


def _generate_key_file(path: Path) -> None:
    """Create the key once, atomically, even when several processes start together."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pem)
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)  # fails if another process won the race; theirs is kept
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def keyring() -> KeyRing:
    return current_app.extensions["keyring"]


def issue_access_token(
    *,
    kind: str,
    subject: str,
    role: str,
    scopes: list[str] | tuple[str, ...] = (),
    opd: str | None = None,
    facility: str | None = None,
    zones: list[str] | tuple[str, ...] = (),
    resident_id: str | None = None,
    ttl: int | None = None,
) -> tuple[str, int]:
    """Sign a short-lived access token; returns (token, expires_in seconds)."""
    cfg = current_app.config
    ttl = ttl or cfg["ACCESS_TOKEN_TTL"]
    issued = round(time.time(), 3)  # ms: a token issued just after a password reset still works
    now = int(issued)
    claims: dict[str, Any] = {
        "iss": cfg["JWT_ISSUER"],
        "aud": cfg["JWT_AUDIENCE"],
        "sub": subject,
        "kind": kind,
        "role": role,
        "scope": " ".join(scopes),
        "iat": issued,
        "nbf": now,
        "exp": now + ttl,
        "jti": secrets.token_urlsafe(12),
    }
    if opd:
        claims["opd"] = opd
    if facility:
        claims["facility"] = facility
    if zones:
        claims["zones"] = list(zones)
    if resident_id:
        claims["rid"] = resident_id
    ring = keyring()
    token = jwt.encode(claims, ring.private_key, algorithm=ALGORITHM, headers={"kid": ring.kid})
    return token, ttl


# Tokens already verified by this process, until they expire: an app sends the same access token for
# its whole lifetime, and verifying it (base64, JSON, Ed25519) was a fifth of a cheap request's cost.
# Only what passed every check is kept, under the key ring and settings that checked it; revocation and
# the account cutoff are still checked on every request (identity.ensure_token_active).
_VERIFIED: dict[str, tuple[Any, str, str, Principal]] = {}  # token → (key ring, audience, issuer, principal)
_VERIFIED_MAX = 10_000


def decode_access_token(token: str) -> Principal:
    """Verify signature, issuer, audience and expiry; any failure is a 401."""
    cfg, ring = current_app.config, keyring()
    cached = _VERIFIED.get(token)
    if cached is not None and cached[:3] == (ring, cfg["JWT_AUDIENCE"], cfg["JWT_ISSUER"]):
        principal = cached[3]
        if principal.exp is not None and principal.exp > time.time():
            return principal
        _VERIFIED.pop(token, None)
        raise Unauthorized("Access token expired", reason="token_expired")
    principal = _verify(token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[token] = (ring, cfg["JWT_AUDIENCE"], cfg["JWT_ISSUER"], principal)
    return principal


def _verify(token: str) -> Principal:
    cfg = current_app.config
    ring = keyring()
    try:
        header = jwt.get_unverified_header(token)
        key = ring.public_keys.get(header.get("kid", ""))
        if key is None or header.get("alg") != ALGORITHM:
            raise jwt.InvalidTokenError("unknown key or algorithm")
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=cfg["JWT_AUDIENCE"],
            issuer=cfg["JWT_ISSUER"],
            options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Access token expired", reason="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("Invalid access token", reason="invalid_token") from exc
    if claims.get("role") not in ROLES:
        raise Unauthorized("Invalid access token", reason="invalid_token")
    return Principal(
        kind=claims.get("kind", "citizen"),
        id=claims["sub"],
        role=claims["role"],
        scopes=frozenset(filter(None, claims.get("scope", "").split(" "))),
        opd=claims.get("opd"),
        facility=claims.get("facility"),
        zones=tuple(claims.get("zones", ())),
        resident_id=claims.get("rid"),
        jti=claims["jti"],
        exp=claims["exp"],
        iat=float(claims["iat"]),
    )


def current_principal(required: bool = True) -> Principal | None:
    """The caller of this request (routes only)."""
    principal = g.get("principal") if has_request_context() else None
    if principal is None and required:
        raise Unauthorized("Authentication required", reason="authentication_required")
    return principal

"""One configuration object, read from the environment (DESIGN.md §7)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


# Secrets with a development default, by config name → that default. Production refuses to start
# while any of them still holds its default or is shorter than MIN_SECRET_LENGTH (issue 13.1).
DEV_SECRETS: dict[str, str] = {}
MIN_SECRET_LENGTH = 32


def _secret(name: str, dev_default: str) -> str:
    """A secret read from the environment; its development default is recorded for the production check."""
    DEV_SECRETS[name] = dev_default
    return _env(name, dev_default) or dev_default


def _flag(name: str) -> bool | None:
    """A 0/1 switch; None when unset (then Config.enabled() decides by APP_ENV)."""
    value = _env(name)
    return None if value is None else value == "1"


class InsecureConfig(RuntimeError):
    """The production configuration holds a default or short secret: the app refuses to start."""


def _default_database_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'app.db'}"


@dataclass
class Config:
    """Everything the app reads from its environment, in one place so tests can override it."""

    APP_ENV: str = field(default_factory=lambda: _env("APP_ENV", "development"))
    DATABASE_URL: str = field(default_factory=lambda: _env("DATABASE_URL") or _default_database_url())
    REDIS_URL: str | None = field(default_factory=lambda: _env("REDIS_URL"))
    SECRET_KEY: str = field(default_factory=lambda: _secret("SECRET_KEY", "dev-secret-change-me"))
    JWT_PRIVATE_KEY_FILE: str = field(
        default_factory=lambda: _env("JWT_PRIVATE_KEY_FILE", str(ROOT / "instance" / "jwt_private.pem"))
    )
    # Public keys of retired signing keys, still accepted until their tokens expire (rotation).
    JWT_PREVIOUS_PUBLIC_KEY_FILES: str = field(
        default_factory=lambda: _env("JWT_PREVIOUS_PUBLIC_KEY_FILES", "")
    )
    JWT_ISSUER: str = field(default_factory=lambda: _env("JWT_ISSUER", "https://api.siantarkota.go.id"))
    JWT_AUDIENCE: str = field(default_factory=lambda: _env("JWT_AUDIENCE", "siantar-superapp"))
    ACCESS_TOKEN_TTL: int = field(default_factory=lambda: int(_env("ACCESS_TOKEN_TTL", "900")))
    REFRESH_TOKEN_TTL: int = field(default_factory=lambda: int(_env("REFRESH_TOKEN_TTL", str(30 * 86400))))
    TZ_LOCAL: str = field(default_factory=lambda: _env("TZ_LOCAL", "Asia/Jakarta"))
    REGION_CODE: str = field(default_factory=lambda: _env("REGION_CODE", "12.72"))
    CORS_ORIGINS: str = field(default_factory=lambda: _env("CORS_ORIGINS", "http://localhost:3000"))
    MAX_CONTENT_LENGTH: int = field(
        default_factory=lambda: int(_env("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024)))
    )
    RATELIMIT_ENABLED: bool = field(default_factory=lambda: _env("RATELIMIT_ENABLED", "1") == "1")
    OTP_TTL_SECONDS: int = 300
    OTP_MAX_ATTEMPTS: int = 5
    # Webhook secrets of outside systems (SMS gateway, OSS, acquirer); HMAC-SHA256.
    WEBHOOK_SECRET_SMS: str = field(
        default_factory=lambda: _secret("WEBHOOK_SECRET_SMS", "dev-sms-webhook-secret")
    )
    NOTIFY_SMS_ADAPTER: str = field(default_factory=lambda: _env("NOTIFY_SMS_ADAPTER", "log"))  # log | http
    SMS_API_URL: str = field(default_factory=lambda: _env("SMS_API_URL", "http://127.0.0.1:8025"))
    SMS_ACCOUNT: str = field(default_factory=lambda: _env("SMS_ACCOUNT", "AC-siantar-dev"))
    SMS_TOKEN: str = field(default_factory=lambda: _secret("SMS_TOKEN", "dev-sms-token"))
    SMS_SENDER: str = field(default_factory=lambda: _env("SMS_SENDER", "SIANTAR"))
    AKTA_NUMBER_TEMPLATE: str = field(
        default_factory=lambda: _env("AKTA_NUMBER_TEMPLATE", "{kabkota}-LT-{ddmmyyyy}-{serial:04d}")
    )
    AKTA_KEMATIAN_NUMBER_TEMPLATE: str = field(
        default_factory=lambda: _env("AKTA_KEMATIAN_NUMBER_TEMPLATE", "{kabkota}-KM-{ddmmyyyy}-{serial:04d}")
    )
    # The city's document-signing key and certificate (PAdES) and the city CA that issued it; when absent
    # (development, tests) a CA and a certificate it issues are generated. The CA certificate is served
    # at /.well-known/city-ca.pem. DOCUMENT_TSA_URL: an RFC 3161 timestamp authority (PAdES B-T);
    # `make run` starts `flask tsa-simulator` there. Empty: signatures without a timestamp (B-B).
    DOCUMENT_CA_KEY_FILE: str = field(
        default_factory=lambda: _env("DOCUMENT_CA_KEY_FILE", str(ROOT / "instance" / "city_ca_key.pem"))
    )
    DOCUMENT_CA_CERT_FILE: str = field(
        default_factory=lambda: _env("DOCUMENT_CA_CERT_FILE", str(ROOT / "instance" / "city_ca.pem"))
    )
    DOCUMENT_TSA_URL: str = field(default_factory=lambda: _env("DOCUMENT_TSA_URL", ""))
    DOCUMENT_TSA_KEY_FILE: str = field(
        default_factory=lambda: _env("DOCUMENT_TSA_KEY_FILE", str(ROOT / "instance" / "tsa_key.pem"))
    )
    DOCUMENT_TSA_CERT_FILE: str = field(
        default_factory=lambda: _env("DOCUMENT_TSA_CERT_FILE", str(ROOT / "instance" / "tsa_cert.pem"))
    )
    DOCUMENT_SIGNING_KEY_FILE: str = field(
        default_factory=lambda: _env(
            "DOCUMENT_SIGNING_KEY_FILE", str(ROOT / "instance" / "document_signing_key.pem")
        )
    )
    DOCUMENT_SIGNING_CERT_FILE: str = field(
        default_factory=lambda: _env(
            "DOCUMENT_SIGNING_CERT_FILE", str(ROOT / "instance" / "document_signing_cert.pem")
        )
    )
    # Parking (services/parking): how long plates and photos stay readable, how far a handheld's clock may
    # be off, how old an offline session may be when it is uploaded, how long an ended visit still counts.
    PARKING_RETENTION_DAYS: int = field(default_factory=lambda: int(_env("PARKING_RETENTION_DAYS", "90")))
    PARKING_MAX_CLOCK_SKEW_SECONDS: int = field(
        default_factory=lambda: int(_env("PARKING_MAX_CLOCK_SKEW_SECONDS", "300"))
    )
    PARKING_MAX_OFFLINE_HOURS: int = field(default_factory=lambda: int(_env("PARKING_MAX_OFFLINE_HOURS", "72")))
    PARKING_GRACE_MINUTES: int = field(default_factory=lambda: int(_env("PARKING_GRACE_MINUTES", "15")))
    PUBLIC_BASE_URL: str = field(default_factory=lambda: _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000"))
    # The OpenAPI document with its Swagger UI / ReDoc pages, and Prometheus' /metrics: on by default
    # in development, off in production unless turned on (API_DOCS_ENABLED=1, METRICS_ENABLED=1).
    API_DOCS_ENABLED: bool | None = field(default_factory=lambda: _flag("API_DOCS_ENABLED"))
    METRICS_ENABLED: bool | None = field(default_factory=lambda: _flag("METRICS_ENABLED"))
    LOG_JSON: bool = field(
        default_factory=lambda: _env("LOG_JSON", "") == "1" or _env("APP_ENV") == "production"
    )

    def as_flask(self) -> dict:
        """The subset Flask and its extensions read from app.config (switches resolved)."""
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values.update({k: self.enabled(k) for k in ("API_DOCS_ENABLED", "METRICS_ENABLED")})
        return values

    @property
    def is_production(self) -> bool:
        return self.APP_ENV == "production"

    def enabled(self, switch: str) -> bool:
        """A switch left unset is on outside production and off in it."""
        value = getattr(self, switch)
        return (not self.is_production) if value is None else bool(value)

    def check_secrets(self) -> None:
        """In production, refuse every secret that is still its development default or too short.

        A default secret lets anyone who read this repository forge webhooks, password-reset hashes
        and document links; a short one falls to brute force. The SMS provider token only counts
        when the real provider is used (NOTIFY_SMS_ADAPTER=http).
        """
        if not self.is_production:
            return
        bad = []
        for name, dev_default in DEV_SECRETS.items():
            if name == "SMS_TOKEN" and self.NOTIFY_SMS_ADAPTER != "http":
                continue
            value = getattr(self, name, "") or ""
            if value == dev_default or len(value) < MIN_SECRET_LENGTH:
                bad.append(name)
        if "*" in (o.strip() for o in self.CORS_ORIGINS.split(",")):
            raise InsecureConfig("APP_ENV=production refuses CORS_ORIGINS=*: list the app's origins")
        if bad:
            raise InsecureConfig(
                f"APP_ENV=production refuses to start: {', '.join(sorted(bad))} must be set to a random "
                f"value of at least {MIN_SECRET_LENGTH} characters (e.g. python -c "
                "'import secrets; print(secrets.token_urlsafe(48))')"
            )

    @property
    def uses_redis(self) -> bool:
        return bool(self.REDIS_URL)

"""Production refuses default or short secrets; its docs and /metrics are off unless configured (13.1, 13.9)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from gateway.config import DEV_SECRETS, Config, InsecureConfig
from tests.gateway.support import other_app

ROOT = Path(__file__).resolve().parents[2]
STRONG = {
    "SECRET_KEY": "k" * 20 + "-production-secret-key",
    "WEBHOOK_SECRET_SMS": "w" * 20 + "-production-sms-webhook",
}


def production(**overrides: str) -> dict[str, str]:
    return {"APP_ENV": "production", **STRONG, **overrides}


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"SECRET_KEY": "dev-secret-change-me"}, "SECRET_KEY"),
        ({"WEBHOOK_SECRET_SMS": "dev-sms-webhook-secret"}, "WEBHOOK_SECRET_SMS"),
        ({"SECRET_KEY": "short-but-not-default"}, "SECRET_KEY"),
        ({"WEBHOOK_SECRET_SMS": "x" * 31}, "WEBHOOK_SECRET_SMS"),
        ({"NOTIFY_SMS_ADAPTER": "http"}, "SMS_TOKEN"),  # the provider token still at dev-sms-token
        ({"CORS_ORIGINS": "https://siantar.go.id, *"}, "CORS_ORIGINS"),
    ],
)
def test_production_refuses_to_start_on_a_default_or_short_secret(app, overrides, named):
    with pytest.raises(InsecureConfig, match=named), other_app(app, **production(**overrides)):
        pass


def test_production_starts_with_strong_secrets_but_without_docs_and_metrics(app):
    with other_app(app, **production()) as prod:
        client = prod.test_client()
        assert client.get("/healthz").status_code == 200
        for path in ("/metrics", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/redoc"):
            r = client.get(path)
            assert r.status_code == 404 and r.json["reason"] == "not_found", path
    with other_app(app, **production(API_DOCS_ENABLED=True, METRICS_ENABLED=True)) as prod:
        client = prod.test_client()
        assert client.get("/metrics").status_code == 200
        assert client.get("/api/v1/openapi.json").status_code == 200


def test_development_keeps_its_defaults(app, client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_every_secret_in_the_config_is_checked():
    """A secret added later (another webhook, a provider token) must go through _secret() to be checked."""
    secret_like = {
        f.name
        for f in dataclasses.fields(Config)
        if re.search(r"SECRET|TOKEN$|PASSWORD", f.name) and not f.name.endswith("_TTL")
    }
    Config()  # the factories register their defaults
    assert secret_like <= set(DEV_SECRETS), secret_like - set(DEV_SECRETS)


def test_docker_compose_takes_secrets_only_from_the_environment():
    compose = (ROOT / "docker-compose.yml").read_text()
    for name in ("SECRET_KEY", "WEBHOOK_SECRET_SMS", "POSTGRES_PASSWORD"):
        uses = re.findall(r"\$\{" + name + r"(:?[-?])", compose)
        assert uses and set(uses) == {":?"}, f"{name} must be ${{{name}:?…}} everywhere, not defaulted"

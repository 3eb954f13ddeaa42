"""What a browser or a database dump can learn (issue 13.9): security headers, CORS, idempotency rows
without credentials, Open311 links from the configured base URL, attachments served as attachments."""

from __future__ import annotations

from sqlalchemy import select

from gateway.db import UnitOfWork
from gateway.idempotency import IdempotencyRecord
from tests.conftest import PASSWORD


def test_every_answer_carries_hsts_nosniff_and_a_csp_denying_frames(client):
    for path in ("/healthz", "/api/v1/complaints/categories", "/api/v1/nowhere"):
        r = client.get(path)
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path


def test_html_pages_get_a_page_csp_and_cannot_be_framed(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" in csp and "default-src 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"


def test_personal_answers_are_never_stored_by_caches(client, citizen):
    me = citizen()
    r = client.get("/api/v1/me", headers=me["headers"])
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    login = client.post("/api/v1/auth/login", json={"username": me["resident"].nik, "password": PASSWORD})
    assert login.status_code == 200 and login.headers["Cache-Control"] == "no-store"
    public = client.get("/api/v1/complaints/categories")
    assert "no-store" not in public.headers.get("Cache-Control", "")


def test_cors_answers_only_configured_origins(app, client):
    allowed = app.config["CORS_ORIGINS"].split(",")[0].strip()
    r = client.get("/api/v1/complaints/categories", headers={"Origin": allowed})
    assert r.headers.get("Access-Control-Allow-Origin") == allowed
    for origin in ("https://evil.example", "null", allowed + ".evil.example"):
        r = client.get("/api/v1/complaints/categories", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in r.headers, origin
        pre = client.options(
            "/api/v1/auth/login",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert "Access-Control-Allow-Origin" not in pre.headers, origin


def _idempotency_rows(app) -> list[IdempotencyRecord]:
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session is not None
        return list(uow.session.scalars(select(IdempotencyRecord)))


def test_idempotency_rows_hold_no_tokens_or_passwords_and_still_replay(app, client, citizen):
    me = citizen()
    body = {"username": me["resident"].nik, "password": PASSWORD}
    first = client.post("/api/v1/auth/login", json=body, headers={"Idempotency-Key": "login-1"})
    again = client.post("/api/v1/auth/login", json=body, headers={"Idempotency-Key": "login-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["refresh_token"] == first.json["refresh_token"]
    refresh = {"refresh_token": first.json["refresh_token"]}
    rotated = client.post("/api/v1/auth/refresh", json=refresh, headers={"Idempotency-Key": "refresh-1"})
    replay = client.post("/api/v1/auth/refresh", json=refresh, headers={"Idempotency-Key": "refresh-1"})
    assert rotated.status_code == replay.status_code == 200
    assert replay.json["access_token"] == rotated.json["access_token"]

    secrets = [
        first.json["access_token"],
        first.json["refresh_token"],
        rotated.json["access_token"],
        rotated.json["refresh_token"],
        PASSWORD,
    ]
    rows = _idempotency_rows(app)
    assert len(rows) == 2
    for row in rows:
        stored = (row.body or b"") + row.request_hash.encode() + repr(row.headers).encode()
        for secret in secrets:
            assert secret.encode() not in stored
            assert secret.split(".")[-1].encode() not in stored  # not even a token's signature

    # A different password under the same key is still told apart (the fingerprint is kept, keyed).
    other = client.post(
        "/api/v1/auth/login",
        json={**body, "password": "not-the-password"},
        headers={"Idempotency-Key": "login-1"},
    )
    assert other.status_code == 422 and other.json["reason"] == "idempotency_key_reused"


def test_open311_links_come_from_the_configured_base_url_not_the_host_header(app, client):
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    r = client.get("/open311/v2/discovery.json", headers={"Host": "evil.example"})
    assert r.status_code == 200, r.data
    urls = [e["url"] for e in r.json["endpoints"]]
    assert urls and all(u.startswith(base + "/") for u in urls)
    assert b"evil.example" not in r.data

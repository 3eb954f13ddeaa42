"""Two API processes (real gunicorn servers) share rate limits, revoked tokens and idempotency keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from gateway.db import UnitOfWork
from gateway.identity.models import Staff
from tests.conftest import PASSWORD, REDIS_URL
from tests.gateway.support import ApiProcess, process_env

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: embedded mode runs jobs in-process")


@pytest.fixture(scope="module")
def two_apis(app) -> Iterator[tuple[ApiProcess, ApiProcess]]:
    env = process_env(app)
    a = ApiProcess(env)
    try:
        b = ApiProcess(env)
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


def test_token_revoked_on_one_process_is_rejected_by_the_other(two_apis, citizen):
    a, b = two_apis
    citizen(phone="+6281233330001")
    status, _, tokens = a.request(
        "POST", "/api/v1/auth/login", {"username": "081233330001", "password": PASSWORD}
    )
    assert status == 200, tokens
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert b.request("GET", "/api/v1/me", headers=bearer)[0] == 200  # B trusts A's token
    status, _, _ = a.request(
        "POST", "/api/v1/auth/logout", {"refresh_token": tokens["refresh_token"]}, headers=bearer
    )
    assert status == 204
    status, _, body = b.request("GET", "/api/v1/me", headers=bearer)
    assert status == 401 and body["reason"] == "token_revoked"
    status, _, body = b.request("POST", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert status == 401


def test_login_rate_limit_is_shared_between_processes(two_apis):
    a, b = two_apis
    statuses = []
    for i in range(10):  # the login limit is 10/minute per client address, counted in Redis
        server = a if i % 2 == 0 else b
        statuses.append(
            server.request("POST", "/api/v1/auth/login", {"username": "nobody", "password": "x"})[0]
        )
    assert statuses == [401] * 10
    for server in (a, b):
        status, headers, body = server.request(
            "POST", "/api/v1/auth/login", {"username": "nobody", "password": "x"}
        )
        assert status == 429 and body["reason"] == "rate_limited"
        assert int(headers["Retry-After"]) > 0


def test_idempotency_key_is_shared_between_processes(two_apis, staff, app):
    a, b = two_apis
    admin = staff(role="admin")
    username = f"loket.{uuid.uuid4().hex[:8]}"
    body = {"username": username, "full_name": "Petugas Loket", "role": "counter", "password": PASSWORD}
    headers = {**admin["headers"], "Idempotency-Key": f"create-{username}"}
    status, first_headers, first = a.request("POST", "/api/v1/admin/staff", body, headers=headers)
    assert status == 201, first
    assert "Idempotent-Replayed" not in first_headers
    status, replay_headers, replay = b.request("POST", "/api/v1/admin/staff", body, headers=headers)
    assert status == 201 and replay_headers["Idempotent-Replayed"] == "true"
    assert replay == first
    status, _, error = b.request(
        "POST", "/api/v1/admin/staff", {**body, "full_name": "Orang Lain"}, headers=headers
    )
    assert status == 422 and error["reason"] == "idempotency_key_reused"
    with app.app_context(), UnitOfWork() as uow:
        count = uow.session.scalar(select(func.count()).select_from(Staff).where(Staff.username == username))
    assert count == 1

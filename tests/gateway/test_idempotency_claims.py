"""An Idempotency-Key claimed by a process that died mid-request does not block retries for a day."""

from __future__ import annotations

from datetime import timedelta

from gateway import idempotency
from gateway.db import UnitOfWork, utcnow
from gateway.idempotency import IdempotencyRecord


def _claim(app, *, age: timedelta, body: bytes) -> None:
    with app.test_request_context("/api/v1/auth/password-reset", method="POST", data=body):
        digest = idempotency._fingerprint()  # the request as the store keys it (HMAC, no plain hash)
    with app.app_context(), UnitOfWork() as uow:
        uow.session.add(
            IdempotencyRecord(
                scope="anon:127.0.0.1", key="k-dead", request_hash=digest, created_at=utcnow() - age
            )
        )
        uow.commit()


def test_fresh_claim_is_in_progress_but_a_stale_one_is_taken_over(app, client):
    body = b'{"login": "081299990077"}'
    _claim(app, age=timedelta(seconds=5), body=body)
    headers = {"Idempotency-Key": "k-dead", "Content-Type": "application/json"}
    r = client.post("/api/v1/auth/password-reset", data=body, headers=headers)
    assert r.status_code == 409 and r.json["reason"] == "idempotency_in_progress"
    with app.app_context(), UnitOfWork() as uow:
        uow.session.get(IdempotencyRecord, ("anon:127.0.0.1", "k-dead")).created_at = utcnow() - timedelta(
            minutes=5
        )
        uow.commit()
    r = client.post("/api/v1/auth/password-reset", data=body, headers=headers)
    assert r.status_code == 202
    replay = client.post("/api/v1/auth/password-reset", data=body, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json == r.json

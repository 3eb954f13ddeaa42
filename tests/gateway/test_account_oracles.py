"""Issue 13, findings 2 and 8: the auth endpoints answer alike whether an account exists, is closed or
not, and an access token stops working when its account does (disabled, password reset)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import argon2
import pytest

from gateway.extensions import limiter
from tests.conftest import PASSWORD


@pytest.fixture
def argon2_verifies(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many argon2 verifications the app ran (the library's own verify, called through)."""
    calls: list[int] = []
    real = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, hash: str, password: str) -> bool:  # noqa: A002
        calls.append(1)
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    yield calls


def _reset(client, login: str) -> str:
    r = client.post("/api/v1/auth/password-reset", json={"login": login})
    assert r.status_code == 202, r.json
    return r.json["id"]


def _confirm(client, challenge_id: str, otp: str = "000000"):
    return client.post(
        f"/api/v1/auth/password-reset/{challenge_id}/confirm", json={"otp": otp, "password": "sandi-baru-123"}
    )


def test_password_reset_confirm_answers_alike_for_an_account_and_for_none(client, citizen, sms_to, app):
    citizen(phone="+6281299990101")
    known = _reset(client, "081299990101")
    unknown = _reset(client, "081299990199")
    # Wrong codes: the same answer, the attempts counted alike, then locked alike.
    answers = {"known": [], "unknown": []}
    for _ in range(app.config["OTP_MAX_ATTEMPTS"] + 1):
        with app.app_context():
            limiter.reset()  # the per-address limit is not under test here
        for name, challenge in (("known", known), ("unknown", unknown)):
            r = _confirm(client, challenge, "000000" if name == "unknown" else _wrong(sms_to, "+6281299990101"))
            answers[name].append((r.status_code, r.json["reason"], sorted(r.json)))
    assert answers["known"] == answers["unknown"]
    assert answers["known"][0][:2] == (422, "otp_invalid")
    assert answers["known"][-1][:2] == (422, "otp_attempts_exceeded")
    assert len(sms_to("+6281299990101")) == 1  # the account's owner got one code
    assert sms_to("+6281299990199") == []  # nobody is texted for a number without an account


def _wrong(sms_to, phone: str) -> str:
    sent = re.search(r"\b(\d{6})\b", sms_to(phone)[0]).group(1)
    return f"{(int(sent) + 1) % 1_000_000:06d}"


def test_login_of_a_closed_account_costs_the_same_argon2_work(client, citizen, staff, argon2_verifies, app):
    from gateway.db import UnitOfWork
    from gateway.identity.models import CitizenAccount

    closed = citizen(phone="+6281299990102")
    with app.app_context(), UnitOfWork() as uow:
        uow.session.get(CitizenAccount, closed["account"].id).status = "closed"
        uow.commit()
    citizen(phone="+6281299990103")
    disabled = staff(role="officer")
    client.patch(
        f"/api/v1/admin/staff/{disabled['staff'].id}",
        json={"active": False},
        headers=staff(role="admin")["headers"],
    )
    cases = {
        "closed, right password": ("081299990102", PASSWORD),
        "closed, wrong password": ("081299990102", "salah-salah-salah"),
        "active, wrong password": ("081299990103", "salah-salah-salah"),
        "no such phone": ("081299990188", PASSWORD),
        "no such staff": ("petugas.tidak.ada", PASSWORD),
        "disabled staff": (disabled["staff"].username, PASSWORD),
    }
    seen = {}
    for name, (username, password) in cases.items():
        argon2_verifies.clear()
        r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        seen[name] = (r.status_code, r.json["reason"], r.json["message"], len(argon2_verifies))
    assert set(seen.values()) == {(401, "invalid_credentials", "Wrong login or password", 1)}, seen


def test_signup_does_not_tell_whose_phone_has_an_account(client, citizen, make_resident, sms_to):
    citizen(phone="+6281299990104")
    newcomer = make_resident(full_name="WARGA BARU")
    body = {"nik": newcomer.nik, "full_name": "WARGA BARU", "birth_date": "1990-01-15"}
    taken = client.post("/api/v1/auth/signup", json={**body, "phone": "081299990104"})
    free = client.post("/api/v1/auth/signup", json={**body, "phone": "081299990105"})
    assert taken.status_code == free.status_code == 202
    assert sorted(taken.json) == sorted(free.json)
    # Only whoever holds the phone learns, after proving it with the code, that it is taken.
    otp = re.search(r"\b(\d{6})\b", sms_to("+6281299990104")[0]).group(1)
    r = client.post(
        f"/api/v1/auth/signup/{taken.json['id']}/verify", json={"otp": otp, "password": "sandi-baru-123"}
    )
    assert r.status_code == 409 and r.json["reason"] == "phone_in_use"


def test_password_reset_ends_every_access_token_of_the_account(client, citizen, sms_to):
    person = citizen(phone="+6281299990106")
    old = client.post("/api/v1/auth/login", json={"username": "081299990106", "password": PASSWORD}).json
    for headers in (person["headers"], {"Authorization": f"Bearer {old['access_token']}"}):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    challenge = _reset(client, "081299990106")
    otp = re.search(r"\b(\d{6})\b", sms_to("+6281299990106")[0]).group(1)
    assert _confirm(client, challenge, otp).status_code == 204
    for headers in (person["headers"], {"Authorization": f"Bearer {old['access_token']}"}):
        r = client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401 and r.json["reason"] == "token_revoked"
    fresh = client.post("/api/v1/auth/login", json={"username": "081299990106", "password": "sandi-baru-123"})
    assert fresh.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh.json['access_token']}"})
    assert me.status_code == 200


def test_disabling_a_staff_member_ends_their_access_token(client, staff):
    admin, officer = staff(role="admin"), staff(role="officer")
    assert client.get("/api/v1/complaints/queue", headers=officer["headers"]).status_code == 200
    r = client.patch(
        f"/api/v1/admin/staff/{officer['staff'].id}", json={"active": False}, headers=admin["headers"]
    )
    assert r.status_code == 200, r.json
    r = client.get("/api/v1/complaints/queue", headers=officer["headers"])
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"
    assert client.get("/api/v1/complaints/queue", headers=admin["headers"]).status_code == 200


def test_the_cutoff_holds_when_redis_lost_it(client, citizen, sms_to, app):
    """Redis is a cache of the cutoff: emptied (restart, eviction), the database still answers."""
    from gateway import queue as q

    person = citizen(phone="+6281299990107")
    challenge = _reset(client, "081299990107")
    otp = re.search(r"\b(\d{6})\b", sms_to("+6281299990107")[0]).group(1)
    assert _confirm(client, challenge, otp).status_code == 204
    connection = q.redis_connection(app)
    if connection is not None:
        connection.flushdb()
    for _ in range(2):  # the first read falls back to the database and re-caches, the second reads Redis
        r = client.get("/api/v1/me", headers=person["headers"])
        assert r.status_code == 401 and r.json["reason"] == "token_revoked"

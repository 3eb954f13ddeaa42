"""Sign-up with OTP, login, refresh rotation, logout, client credentials, /me and its access log."""

from __future__ import annotations

import re
import time
from datetime import date

import jwt
import pytest


def _otp(sms_to, phone: str) -> str:
    return re.search(r"\b(\d{6})\b", sms_to(phone)[0]).group(1)


def test_signup_checks_registry_sends_otp_and_creates_account(client, make_resident, sms_to):
    resident = make_resident(full_name="MARIA SINAGA", sex="P", birth_date=date(1999, 4, 2))
    r = client.post(
        "/api/v1/auth/signup",
        json={
            "nik": resident.nik,
            "full_name": "maria  sinaga",
            "birth_date": "1999-04-02",
            "phone": "0812-7000-1234",
        },
    )
    assert r.status_code == 202, r.json
    assert r.json["sent_to"].endswith("234") and "7000" not in r.json["sent_to"]
    otp = _otp(sms_to, "+6281270001234")
    r = client.post(
        f"/api/v1/auth/signup/{r.json['id']}/verify", json={"otp": otp, "password": "rahasia-123"}
    )
    assert r.status_code == 201, r.json
    assert r.json["token_type"] == "Bearer" and r.json["refresh_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json['access_token']}"})
    assert me.json["resident"]["full_name"] == "MARIA SINAGA"
    assert me.json["resident"]["nik"] == resident.nik[:4] + "********" + resident.nik[-4:]


@pytest.mark.parametrize("field,value", [("full_name", "ORANG LAIN"), ("birth_date", "1999-04-03")])
def test_signup_rejects_data_that_does_not_match_registry(client, make_resident, field, value):
    resident = make_resident(full_name="MARIA SINAGA", sex="P", birth_date=date(1999, 4, 2))
    body = {
        "nik": resident.nik,
        "full_name": "MARIA SINAGA",
        "birth_date": "1999-04-02",
        "phone": "081270001234",
    }
    body[field] = value
    r = client.post("/api/v1/auth/signup", json=body)
    assert r.status_code == 422 and r.json["reason"] == "registry_mismatch"


def test_signup_refuses_deceased_and_second_account(client, make_resident, citizen):
    dead = make_resident(is_deceased=True, full_name="ALM SAHAT")
    r = client.post(
        "/api/v1/auth/signup",
        json={"nik": dead.nik, "full_name": "ALM SAHAT", "birth_date": "1990-01-15", "phone": "081270001235"},
    )
    assert r.status_code == 403 and r.json["reason"] == "resident_not_active"
    existing = citizen(full_name="ADA AKUN")
    r = client.post(
        "/api/v1/auth/signup",
        json={
            "nik": existing["resident"].nik,
            "full_name": "ADA AKUN",
            "birth_date": "1990-01-15",
            "phone": "081270001236",
        },
    )
    assert r.status_code == 409 and r.json["reason"] == "account_exists"


def test_signup_rejects_nik_with_unknown_region_or_date(client):
    for nik in ("9999011501900001", "1272013201900001", "12720115019000"):
        r = client.post(
            "/api/v1/auth/signup",
            json={"nik": nik, "full_name": "X", "birth_date": "1990-01-15", "phone": "081270001237"},
        )
        assert r.status_code == 422 and "nik" in r.json["errors"]["json"]


def test_wrong_otp_counts_attempts_and_locks(client, make_resident, app):
    resident = make_resident(full_name="UJI OTP")
    r = client.post(
        "/api/v1/auth/signup",
        json={
            "nik": resident.nik,
            "full_name": "UJI OTP",
            "birth_date": "1990-01-15",
            "phone": "081270001238",
        },
    )
    url = f"/api/v1/auth/signup/{r.json['id']}/verify"
    for _ in range(app.config["OTP_MAX_ATTEMPTS"]):
        bad = client.post(url, json={"otp": "000000", "password": "rahasia-123"})
        assert bad.json["reason"] in ("otp_invalid",)
    r = client.post(url, json={"otp": "000000", "password": "rahasia-123"})
    assert r.json["reason"] == "otp_attempts_exceeded"


def test_login_with_nik_or_phone_and_wrong_password(client, citizen):
    c = citizen(phone="+6281299990001")
    for username in (c["resident"].nik, "081299990001", "+6281299990001"):
        r = client.post(
            "/api/v1/auth/login", json={"username": username, "password": "correct-horse-battery"}
        )
        assert r.status_code == 200, (username, r.json)
    r = client.post("/api/v1/auth/login", json={"username": c["resident"].nik, "password": "wrong"})
    assert r.status_code == 401 and r.json["reason"] == "invalid_credentials"


def test_refresh_rotates_and_reuse_revokes_family(client, citizen):
    c = citizen(phone="+6281299990002")
    first = client.post(
        "/api/v1/auth/login", json={"username": "+6281299990002", "password": "correct-horse-battery"}
    ).json
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json["refresh_token"] != first["refresh_token"]
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.json["reason"] == "refresh_token_reused"
    # the whole family is gone, including the newest token
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": second.json["refresh_token"]})
    assert r.status_code == 401
    assert c["resident"].nik


def test_logout_revokes_access_and_refresh(client, citizen):
    citizen(phone="+6281299990003")
    tokens = client.post(
        "/api/v1/auth/login", json={"username": "+6281299990003", "password": "correct-horse-battery"}
    ).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    r = client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=headers)
    assert r.status_code == 204
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )


def test_tokens_with_none_alg_wrong_key_audience_or_expiry_are_401(client, citizen, app):
    c = citizen()
    claims = jwt.decode(c["token"], options={"verify_signature": False})
    forged_none = jwt.encode(claims, key=None, algorithm="none")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate()
    kid = jwt.get_unverified_header(c["token"])["kid"]
    wrong_key = jwt.encode(claims, other, algorithm="EdDSA", headers={"kid": kid})
    ring = app.extensions["keyring"]
    wrong_aud = jwt.encode(
        {**claims, "aud": "someone-else"}, ring.private_key, algorithm="EdDSA", headers={"kid": kid}
    )
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 10}, ring.private_key, algorithm="EdDSA", headers={"kid": kid}
    )
    hs256 = jwt.encode(claims, "an-hmac-key-that-is-long-enough-x", algorithm="HS256", headers={"kid": kid})
    for token in (forged_none, wrong_key, wrong_aud, expired, hs256, "garbage"):
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
        assert r.json["reason"] in ("invalid_token", "token_expired")


def test_jwks_publishes_the_signing_key(client, citizen):
    c = citizen()
    keys = client.get("/.well-known/jwks.json").json["keys"]
    kid = jwt.get_unverified_header(c["token"])["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(c["token"], public, algorithms=["EdDSA"], audience="siantar-superapp")
    assert claims["role"] == "citizen"


def test_client_credentials_form_body_and_scopes(client, machine_client):
    mc = machine_client(scopes=("births:write", "deaths:write"))
    form = {"grant_type": "client_credentials", "client_id": mc["client_id"], "client_secret": mc["secret"]}
    r = client.post("/api/v1/auth/token", data=form)
    assert r.status_code == 200 and r.json["scope"] == "births:write deaths:write"
    claims = jwt.decode(r.json["access_token"], options={"verify_signature": False})
    assert claims["facility"] == "1272011" and claims["role"] == "client"
    r = client.post("/api/v1/auth/token", data={**form, "scope": "births:write admin:all"})
    assert r.status_code == 403 and r.json["reason"] == "invalid_scope"
    r = client.post("/api/v1/auth/token", data={**form, "client_secret": "nope"})
    assert r.status_code == 401 and r.json["reason"] == "invalid_client"
    r = client.post("/api/v1/auth/token", data={**form, "grant_type": "password"})
    assert r.status_code == 422


def test_me_lists_family_and_counter_access_is_audited(client, citizen, staff, make_resident):
    mom = citizen(full_name="IBU UJI", sex="P", kk_number="1272011501200009")
    make_resident(
        full_name="ANAK UJI",
        family_relationship="ANAK",
        kk_number="1272011501200009",
        birth_date=date(2020, 2, 2),
    )
    me = client.get("/api/v1/me", headers=mom["headers"]).json
    assert [m["full_name"] for m in me["family"]] == ["ANAK UJI"]
    counter = staff(role="counter")
    headers = {
        **counter["headers"],
        "X-On-Behalf-Of": mom["resident"].nik,
        "X-On-Behalf-Reason": "cetak ulang KK, KTP ditunjukkan",
    }
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    log = client.get("/api/v1/me/access-log", headers=mom["headers"]).json
    assert log and log[0]["actor_role"] == "counter"
    assert "KTP ditunjukkan" in log[0]["reason"]


def test_on_behalf_needs_counter_role_and_reason(client, citizen, staff):
    mom = citizen()
    officer = staff(role="officer")
    r = client.get(
        "/api/v1/me",
        headers={**officer["headers"], "X-On-Behalf-Of": mom["resident"].nik, "X-On-Behalf-Reason": "x"},
    )
    assert r.status_code == 403
    counter = staff(role="counter")
    r = client.get("/api/v1/me", headers={**counter["headers"], "X-On-Behalf-Of": mom["resident"].nik})
    assert r.status_code == 422 and r.json["reason"] == "on_behalf_reason_required"


def test_password_reset_by_otp(client, citizen, sms_to):
    citizen(phone="+6281299990004")
    r = client.post("/api/v1/auth/password-reset", json={"login": "081299990004"})
    assert r.status_code == 202
    otp = _otp(sms_to, "+6281299990004")
    r = client.post(
        f"/api/v1/auth/password-reset/{r.json['id']}/confirm",
        json={"otp": otp, "password": "password-baru-1"},
    )
    assert r.status_code == 204
    r = client.post("/api/v1/auth/login", json={"username": "081299990004", "password": "password-baru-1"})
    assert r.status_code == 200
    unknown = client.post("/api/v1/auth/password-reset", json={"login": "081299990099"})
    assert unknown.status_code == 202  # same answer: no account enumeration


def test_admin_manages_staff_and_clients(client, staff):
    admin = staff(role="admin")
    r = client.post(
        "/api/v1/admin/staff",
        headers=admin["headers"],
        json={
            "username": "dlh.baru",
            "full_name": "Petugas Baru",
            "role": "officer",
            "password": "rahasia-123",
        },
    )
    assert r.status_code == 422 and r.json["reason"] == "opd_required"
    r = client.post(
        "/api/v1/admin/staff",
        headers=admin["headers"],
        json={
            "username": "dlh.baru",
            "full_name": "Petugas Baru",
            "role": "officer",
            "opd_code": "DLH",
            "password": "rahasia-123",
        },
    )
    assert r.status_code == 201 and r.json["opd_code"] == "DLH"
    login = client.post("/api/v1/auth/login", json={"username": "dlh.baru", "password": "rahasia-123"})
    assert login.status_code == 200
    r = client.patch(f"/api/v1/admin/staff/{r.json['id']}", headers=admin["headers"], json={"active": False})
    assert r.status_code == 200
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "dlh.baru", "password": "rahasia-123"}
        ).status_code
        == 401
    )
    r = client.post(
        "/api/v1/admin/clients",
        headers=admin["headers"],
        json={"name": "RS Vita Insani", "scopes": ["births:write"], "facility_code": "1272022"},
    )
    assert r.status_code == 201 and r.json["client_secret"]
    officer = staff(role="officer")
    assert client.get("/api/v1/admin/staff", headers=officer["headers"]).status_code == 403
    assert client.get("/api/v1/admin/staff").status_code == 401


def test_login_is_rate_limited_with_retry_after(client):
    for _ in range(10):
        client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    r = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert r.status_code == 429 and r.json["reason"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0


def test_key_rotation_old_tokens_stay_valid_until_expiry(app, citizen, tmp_path):
    from cryptography.hazmat.primitives import serialization

    from gateway.app import create_app

    c = citizen()
    old_public = (
        app.extensions["keyring"]
        .private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "old.pub").write_bytes(old_public)
    rotated = create_app(
        {
            **{k: app.config[k] for k in ("APP_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY")},
            "JWT_PRIVATE_KEY_FILE": str(tmp_path / "new.pem"),
            "JWT_PREVIOUS_PUBLIC_KEY_FILES": str(tmp_path / "old.pub"),
        }
    )
    new_client = rotated.test_client()
    assert len(new_client.get("/.well-known/jwks.json").json["keys"]) == 2
    assert new_client.get("/api/v1/me", headers=c["headers"]).status_code == 200
    fresh = new_client.post(
        "/api/v1/auth/login", json={"username": c["resident"].nik, "password": "correct-horse-battery"}
    ).json
    assert (
        jwt.get_unverified_header(fresh["access_token"])["kid"]
        != jwt.get_unverified_header(c["token"])["kid"]
    )
    # the old deployment does not know the new key: its tokens are rejected there
    old_client = app.test_client()
    r = old_client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    assert r.status_code == 401


def test_token_endpoint_accepts_http_basic_and_is_not_cached(client, machine_client):
    mc = machine_client(scopes=("births:write",))
    r = client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(mc["client_id"], mc["secret"])
    )
    assert r.status_code == 200 and r.json["scope"] == "births:write"
    assert r.headers["Cache-Control"] == "no-store" and "Retry-After" not in r.headers
    r = client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(mc["client_id"], "x")
    )
    assert r.status_code == 401 and r.json["reason"] == "invalid_client"
    r = client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"})
    assert r.status_code == 401 and r.json["reason"] == "invalid_client"


def test_counter_access_is_logged_once_per_request_refused_attempts_too(client, citizen, staff):
    mom = citizen()
    counter = staff(role="counter")
    headers = {**counter["headers"], "X-On-Behalf-Of": mom["resident"].nik, "X-On-Behalf-Reason": "loket 3"}
    client.get("/api/v1/me", headers=headers)
    log = client.get("/api/v1/me/access-log", headers=mom["headers"]).json
    assert [entry["action"] for entry in log] == ["read:profile"]
    assert log[0]["at"].endswith("+07:00")  # stored UTC, shown in Asia/Jakarta
    # A refused attempt in her name is in her log too, marked as refused (docs/counter.md §7).
    assert client.get("/api/v1/me/access-log", headers=headers).status_code == 403
    log = client.get("/api/v1/me/access-log", headers=mom["headers"]).json
    assert [entry["action"] for entry in log] == ["refused 403: GET /api/v1/me/access-log", "read:profile"]
    assert log[0]["actor_role"] == "counter" and log[0]["reason"] == "loket 3"
    # Refused at the on-behalf check itself (no reason given): nobody was acting for her, nothing is written.
    no_reason = {**counter["headers"], "X-On-Behalf-Of": mom["resident"].nik}
    assert client.get("/api/v1/me", headers=no_reason).status_code == 422
    assert len(client.get("/api/v1/me/access-log", headers=mom["headers"]).json) == 2


def test_password_reset_answer_looks_the_same_for_unknown_accounts(client, citizen):
    import uuid

    citizen(phone="+6281299990005")
    known = client.post("/api/v1/auth/password-reset", json={"login": "081299990005"}).json["id"]
    unknown = client.post("/api/v1/auth/password-reset", json={"login": "081299990098"}).json["id"]
    assert uuid.UUID(known).version == uuid.UUID(unknown).version == 4

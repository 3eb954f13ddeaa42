"""A verified access token is remembered until it expires, never past it; revocation is still checked
on every request."""

from __future__ import annotations

import time

from gateway import auth


def test_a_remembered_token_still_expires(client, citizen, monkeypatch):
    me = citizen()
    assert client.get("/api/v1/me", headers=me["headers"]).status_code == 200  # verified and remembered
    token = me["headers"]["Authorization"].split(" ", 1)[1]
    assert token in auth._VERIFIED
    later = time.time() + 24 * 3600
    monkeypatch.setattr(auth.time, "time", lambda: later)
    r = client.get("/api/v1/me", headers=me["headers"])
    assert r.status_code == 401 and r.json["reason"] == "token_expired"


def test_a_remembered_token_is_still_revoked_at_logout(client, citizen):
    me = citizen()
    assert client.get("/api/v1/me", headers=me["headers"]).status_code == 200
    assert client.post("/api/v1/auth/logout", json={}, headers=me["headers"]).status_code in (200, 204)
    r = client.get("/api/v1/me", headers=me["headers"])
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"

"""SNAP BI signatures as the standard writes them, checked with openssl (another implementation)."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from datetime import UTC, datetime, timedelta

from services.payments import snap

BODY = {"partnerReferenceNo": "2612020000017", "amount": {"value": "3000.00", "currency": "IDR"}}
MINIFIED = '{"partnerReferenceNo":"2612020000017","amount":{"value":"3000.00","currency":"IDR"}}'
TS = "2026-12-02T08:15:00+07:00"


def test_the_body_is_minified_and_hashed_lowercase_hex():
    assert snap.minify(BODY) == MINIFIED
    assert (
        snap.minify_raw(
            b'{ "partnerReferenceNo" : "2612020000017",\n "amount": {"value": "3000.00", "currency": "IDR"} }'
        )
        == MINIFIED
    )
    assert snap.body_digest(MINIFIED) == hashlib.sha256(MINIFIED.encode()).hexdigest()
    assert snap.body_digest(MINIFIED).islower()


def test_strings_to_sign_follow_the_standard():
    digest = hashlib.sha256(MINIFIED.encode()).hexdigest()
    assert snap.token_string("pemko-siantar", TS) == f"pemko-siantar|{TS}"
    assert snap.service_string("post", "/v1.0/qr/qr-mpm-query", "tok", MINIFIED, TS) == (
        f"POST:/v1.0/qr/qr-mpm-query:tok:{digest}:{TS}"
    )
    assert snap.notify_string("POST", "/api/v1/payments/notify/qris", MINIFIED, TS) == (
        f"POST:/api/v1/payments/notify/qris:{digest}:{TS}"
    )


def test_the_rsa_signature_verifies_with_openssl(tmp_path):
    key = snap.new_private_key()
    text = snap.token_string("pemko-siantar", TS)
    signature = snap.rsa_sign(key, text)
    (tmp_path / "pub.pem").write_text(snap.public_pem(key))
    (tmp_path / "data").write_text(text)
    (tmp_path / "sig").write_bytes(base64.b64decode(signature))
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "data"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0 and "Verified OK" in result.stdout
    assert snap.rsa_verify(key.public_key(), text, signature)
    assert not snap.rsa_verify(key.public_key(), text + "x", signature)
    assert not snap.rsa_verify(key.public_key(), text, "not base64!")


def test_the_hmac_signature_matches_openssl(tmp_path):
    text = snap.service_string("POST", "/v1.0/qr/qr-mpm-query", "tok", MINIFIED, TS)
    (tmp_path / "data").write_text(text)
    result = subprocess.run(
        ["openssl", "dgst", "-sha512", "-hmac", "dev-snap-client-secret", "-binary", "data"],
        cwd=tmp_path, capture_output=True, check=True,
    )  # fmt: skip
    assert snap.hmac_sign("dev-snap-client-secret", text) == base64.b64encode(result.stdout).decode()
    assert snap.hmac_verify("dev-snap-client-secret", text, base64.b64encode(result.stdout).decode())
    assert not snap.hmac_verify("other", text, base64.b64encode(result.stdout).decode())


def test_timestamps_within_five_minutes_only():
    now = datetime(2026, 12, 2, 1, 15, tzinfo=UTC)
    assert snap.fresh(TS, now)
    assert snap.fresh("2026-12-02T08:19:59+07:00", now)
    assert not snap.fresh("2026-12-02T08:09:59+07:00", now)
    assert not snap.fresh("2026-12-02T08:15:00", now)  # no offset
    assert not snap.fresh("yesterday", now) and not snap.fresh(None, now)
    assert snap.fresh(snap.timestamp(now + timedelta(minutes=4)), now)


def test_amounts_are_whole_rupiah_strings():
    assert snap.amount_value(3000) == {"value": "3000.00", "currency": "IDR"}
    assert snap.rupiah_of({"value": "3000.00", "currency": "IDR"}) == (3000, "IDR")
    assert snap.rupiah_of({"value": "3000", "currency": "IDR"}) == (3000, "IDR")
    assert snap.rupiah_of({"value": "3000.50", "currency": "IDR"}) == (None, "IDR")
    assert snap.rupiah_of({"value": 3000, "currency": "IDR"}) == (None, "IDR")
    assert snap.rupiah_of("3000") == (None, None)

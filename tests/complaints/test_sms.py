"""The SMS/WhatsApp webhook: signature, freshness, dedupe, STATUS, quoting a number, emergencies."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from services.complaints import numbers


def test_plain_sms_opens_a_complaint_with_guessed_category_and_replies_with_number(
    client, send_sms, sms_to, run_jobs
):
    phone = "+6281370001111"
    r = send_sms("Jalan berlubang di Jl. Sutomo depan SMA 2", sender="0813-7000-1111", message_id="prov-1")
    assert r.status_code == 200 and r.json["action"] == "created"
    number = r.json["number"]
    assert numbers.is_valid_checksum(number)
    run_jobs()
    assert number in sms_to(phone)[0] and "STATUS" in sms_to(phone)[0]
    view = client.get(f"/api/v1/complaints/{number}").json
    assert view["category"]["code"] == "jalan_rusak" and view["channel"] == "sms"


def test_unrecognised_sms_goes_to_the_desk_as_lainnya(client, send_sms, desk):
    r = send_sms("Tolong perhatikan pelayanan di kantor kelurahan kami")
    view = client.get(f"/api/v1/complaints/{r.json['number']}", headers=desk["headers"]).json
    assert view["category"]["code"] == "lainnya"
    queue = client.get("/api/v1/complaints/queue", headers=desk["headers"]).json
    assert r.json["number"] in [c["number"] for c in queue]


def test_whatsapp_channel_is_recorded(client, send_sms):
    r = send_sms("Lampu jalan mati di Jl. Merdeka", channel="whatsapp")
    view = client.get(f"/api/v1/complaints/{r.json['number']}").json
    assert view["channel"] == "whatsapp" and view["category"]["code"] == "lampu_jalan"


def test_provider_retries_and_floods_never_create_a_second_complaint(
    app, client, send_sms, desk, sms_to, run_jobs
):
    first = send_sms("Sampah menumpuk di Jl. Kartini", message_id="prov-flood")
    for _ in range(5):
        again = send_sms("Sampah menumpuk di Jl. Kartini", message_id="prov-flood")
        assert again.status_code == 200
        assert again.json["number"] == first.json["number"] and again.json["duplicate"] is True
    queue = client.get("/api/v1/complaints/queue", headers=desk["headers"]).json
    assert len(queue) == 1
    run_jobs()
    assert len(sms_to("+6281370001111")) == 1


def test_status_by_sms(client, send_sms, sms_to):
    number = send_sms("Air PDAM tidak mengalir tiga hari").json["number"]
    r = send_sms(f"status {number}", sender="+6281370009999")
    assert r.json["action"] == "status"
    reply = sms_to("+6281370009999")[0]
    assert number in reply and "menunggu verifikasi" in reply


def test_status_with_a_mistyped_digit_is_answered_number_not_valid(client, send_sms, sms_to):
    number = send_sms("Air PDAM keruh").json["number"]
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    r = send_sms(f"STATUS {wrong}", sender="+6281370008888")
    assert r.json["action"] == "invalid_number"
    assert "tidak valid" in sms_to("+6281370008888")[0]
    swapped = number[:7] + number[8] + number[7] + number[9:]
    if swapped != number:
        assert send_sms(f"STATUS {swapped}", sender="+6281370008888").json["action"] == "invalid_number"
    assert send_sms("STATUS", sender="+6281370008888").json["action"] == "invalid_number"


def test_status_of_unknown_number_is_not_found(send_sms, sms_to):
    body = "2611240099"
    unknown = body + numbers.check_digit(body)
    assert send_sms(f"STATUS {unknown}", sender="+6281370007777").json["action"] == "not_found"


def test_quoting_a_number_adds_a_public_note_and_backs_it(client, send_sms, sms_to, run_jobs):
    number = send_sms("Lampu jalan mati di Jl. Merdeka", sender="+6281370001111").json["number"]
    r = send_sms(f"Re {number}: di depan rumah saya juga mati", sender="+6281370002222")
    assert r.json["action"] == "supported" and r.json["number"] == number
    view = client.get(f"/api/v1/complaints/{number}").json
    assert view["supporters"] == 1
    assert view["history"][-1]["note"].endswith("juga mati")
    # The same sender again: still one supporter
    send_sms(f"{number} masih mati", sender="+6281370002222")
    assert client.get(f"/api/v1/complaints/{number}").json["supporters"] == 1
    run_jobs()
    assert "dicatat" in sms_to("+6281370002222")[0]


def test_quoting_a_mistyped_number_is_not_filed_as_new(client, send_sms, desk):
    number = send_sms("Lampu jalan mati").json["number"]
    wrong = number[:-1] + str((int(number[-1]) + 3) % 10)
    r = send_sms(f"tambahan untuk {wrong}: masih gelap", sender="+6281370003333")
    assert r.json["action"] == "invalid_number"
    assert len(client.get("/api/v1/complaints/queue", headers=desk["headers"]).json) == 1


def test_emergency_sms_is_told_to_call_112_and_not_filed(client, send_sms, sms_to, desk):
    r = send_sms("Tolong ada kebakaran rumah di Jl. Kartini!", sender="+6281370004444")
    assert r.json["action"] == "emergency" and r.json["number"] is None
    assert "112" in sms_to("+6281370004444")[0]
    assert client.get("/api/v1/complaints/queue", headers=desk["headers"]).json == []


def test_signature_and_timestamp_are_enforced(app, client, send_sms, desk):
    assert send_sms("Sampah", signature="00" * 32).json["reason"] == "invalid_signature"
    assert send_sms("Sampah", secret="wrong-secret").status_code == 401
    stale = send_sms("Sampah", timestamp=int(time.time()) - 301)
    assert stale.status_code == 401 and stale.json["reason"] == "stale_webhook"
    assert send_sms("Sampah", timestamp=int(time.time()) + 400).status_code == 401
    r = client.post(
        "/api/v1/complaints/inbound/sms", json={"message_id": "x", "from": "+6281370001111", "text": "a"}
    )
    assert r.status_code == 401 and r.json["reason"] == "signature_missing"
    assert client.get("/api/v1/complaints/queue", headers=desk["headers"]).json == []
    assert send_sms("Sampah", timestamp=int(time.time()) - 200).status_code == 200


def test_an_old_body_replayed_with_a_fresh_timestamp_is_refused(app, client, desk):
    """The signature covers the timestamp: re-sending a captured body under a new X-Timestamp fails."""
    import json

    from services.complaints import sms_gateway

    secret = app.config["WEBHOOK_SECRET_SMS"]
    captured_at = int(time.time()) - 3600
    payload = {
        "message_id": "captured-1",
        "from": "+6281370001111",
        "text": "Sampah menumpuk di Jl. Kartini",
        "received_at": datetime.fromtimestamp(captured_at, UTC).isoformat(),
    }
    body = json.dumps(payload).encode()
    captured_signature = sms_gateway.sign(secret, body, captured_at)
    fresh = str(int(time.time()))
    r = client.post(
        sms_gateway.PATH,
        data=body,
        headers={"Content-Type": "application/json", "X-Signature": captured_signature, "X-Timestamp": fresh},
    )
    assert r.status_code == 401 and r.json["reason"] == "invalid_signature"
    for bad in ("+1700000000", " 1e9", "１７"):
        r = client.post(
            sms_gateway.PATH,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Signature": captured_signature,
                "X-Timestamp": bad,
            },
        )
        assert r.status_code == 401 and r.json["reason"] in ("invalid_timestamp", "stale_webhook"), bad
    assert client.get("/api/v1/complaints/queue", headers=desk["headers"]).json == []


def test_received_at_is_bounded_by_the_signed_timestamp(send_sms, client, desk):
    now = datetime.now(UTC)
    for received_at in (now - timedelta(days=2), now + timedelta(hours=1)):
        r = send_sms("Sampah menumpuk di Jl. Kartini", received_at=received_at)
        assert r.status_code == 422 and r.json["reason"] == "received_at_out_of_range", received_at
    assert client.get("/api/v1/complaints/queue", headers=desk["headers"]).json == []
    late = send_sms("Sampah menumpuk di Jl. Kartini", received_at=now - timedelta(hours=20))
    assert late.status_code == 200 and late.json["action"] == "created"


def test_signed_but_malformed_bodies_are_422(app, client):
    import json

    from services.complaints import sms_gateway

    secret = app.config["WEBHOOK_SECRET_SMS"]
    for payload in (
        {"message_id": "a", "from": "bukan nomor", "text": "x", "received_at": "2026-11-23T10:00:00+07:00"},
        {"message_id": "a", "from": "+6281370001111", "text": "x", "received_at": "2026-11-23T10:00:00"},
        {
            "message_id": "a",
            "from": "+6281370001111",
            "text": "x",
            "channel": "telegram",
            "received_at": "2026-11-23T10:00:00+07:00",
        },
        {"from": "+6281370001111", "text": "x", "received_at": "2026-11-23T10:00:00+07:00"},
        {
            "message_id": "a",
            "from": "+6281370001111",
            "text": "x",
            "received_at": "9999-12-31T23:59:59-05:00",
        },
    ):
        body = json.dumps(payload).encode()
        sent = str(int(time.time()))
        r = client.post(
            sms_gateway.PATH,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Signature": sms_gateway.sign(secret, body, sent),
                "X-Timestamp": sent,
            },
        )
        assert r.status_code == 422, payload


def test_sms_from_a_registered_citizen_shows_in_their_app(client, citizen, send_sms):
    me = citizen(phone="+6281370006666")
    number = send_sms("Parit tersumbat banjir", sender="+6281370006666").json["number"]
    assert [c["number"] for c in client.get("/api/v1/complaints/mine", headers=me["headers"]).json] == [
        number
    ]


def test_simultaneous_messages_about_one_complaint_are_all_recorded(app, client, send_sms):
    import threading

    number = send_sms("Lampu jalan mati di Jl. Merdeka", sender="+6281370001111").json["number"]
    results: list[int] = []

    def text(i: int) -> None:
        results.append(
            send_sms(f"{number} juga mati di rumah {i}", sender=f"+62813700020{i:02d}").status_code
        )

    threads = [threading.Thread(target=text, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 8
    view = client.get(f"/api/v1/complaints/{number}").json
    assert view["supporters"] == 8
    notes = [h for h in view["history"] if h["kind"] == "note"]
    assert len(notes) == 8

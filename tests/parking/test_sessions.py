"""Sessions from the handheld: normalised plates, retries that never make a second visit, offline
batches with per-item reasons, end, receipts — each refusal a precise 4xx with its reason."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import timedelta

from PIL import Image

from gateway.kernel import clock
from tests.parking.conftest import visit


def test_start_normalises_the_plate_and_charges_the_zone_tariff(client, attendant, start):
    jukir = attendant()
    r = start(jukir["headers"], plate="bk-1234 abc")
    body = r.json
    assert body["plate"] == "BK 1234 ABC" and body["amount"] == 3000 and body["state"] == "open"
    assert body["reference"].startswith("P") and body["receipt_code"].startswith(body["reference"] + "-")
    assert body["payment_state"] == "unpaid"
    moto = start(jukir["headers"], plate="BK 77 ZZ", vehicle_class="motorcycle").json
    assert moto["amount"] == 2000 and moto["reference"] != body["reference"]


def test_unknown_plate_formats_are_refused(client, attendant, start):
    jukir = attendant()
    for plate in ("XX 1234 AB", "BK ABC 123", "BK 12345 A", "1234", "BK 0123 A"):
        r = start(jukir["headers"], expect=422, plate=plate)
        assert r.json["reason"] == "invalid_plate", plate
        assert "plate" in r.json["errors"]["json"]
    assert client.get("/api/v1/parking/sessions", headers=jukir["headers"]).json == []


def test_a_retry_with_the_same_id_is_the_same_visit(client, attendant, start):
    jukir = attendant()
    body = visit()
    first = client.post("/api/v1/parking/sessions", json=body, headers=jukir["headers"])
    again = client.post("/api/v1/parking/sessions", json=body, headers=jukir["headers"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["reference"] == first.json["reference"]
    other = client.post(
        "/api/v1/parking/sessions", json={**body, "plate": "BK 9 X"}, headers=jukir["headers"]
    )
    assert other.status_code == 409 and other.json["reason"] == "session_id_conflict"
    assert len(client.get("/api/v1/parking/sessions", headers=jukir["headers"]).json) == 1


def test_the_same_plate_cannot_be_started_twice_in_a_zone(client, attendant, start):
    jukir = attendant()
    first = start(jukir["headers"]).json
    r = start(jukir["headers"], expect=409, plate="BK1234ABC")
    assert r.json["reason"] == "session_already_open" and r.json["reference"] == first["reference"]
    client.post(f"/api/v1/parking/sessions/{first['id']}/end", json={}, headers=jukir["headers"])
    start(jukir["headers"])  # a new visit after the first ended


def test_an_attendant_acts_only_in_his_zones_and_periods(client, attendant, start):
    jukir = attendant("SUTOMO-1")
    r = start(jukir["headers"], expect=403, zone_code="MERDEKA-1")
    assert r.json["reason"] == "zone_not_assigned" and r.json["your_zones"] == ["SUTOMO-1"]
    later = attendant("MERDEKA-1", valid_from=(clock.now() + timedelta(days=1)).isoformat())
    assert start(later["headers"], expect=403, zone_code="MERDEKA-1").json["reason"] == "zone_not_assigned"
    assert start(jukir["headers"], expect=422, device_id="HH-UNKNOWN").json["reason"] == "unknown_device"
    assert start(jukir["headers"], expect=404, zone_code="NOPE-1").json["reason"] == "zone_not_found"


def test_end_and_the_receipt(client, attendant, start):
    jukir = attendant()
    session = start(jukir["headers"]).json
    r = client.post(f"/api/v1/parking/sessions/{session['id']}/end", json={}, headers=jukir["headers"])
    assert r.status_code == 200 and r.json["state"] == "ended" and r.json["ended_at"]
    again = client.post(f"/api/v1/parking/sessions/{session['id']}/end", json={}, headers=jukir["headers"])
    assert again.status_code == 200 and again.json["ended_at"] == r.json["ended_at"]
    receipt = client.get(f"/api/v1/parking/sessions/{session['id']}/receipt", headers=jukir["headers"]).json
    assert receipt["code"] == session["receipt_code"] and "Rp3.000" in receipt["printable"]
    assert "BK 1234 ABC" in receipt["printable"]
    public = client.get(f"/api/v1/parking/receipts/{receipt['code']}")
    assert (
        public.status_code == 200 and public.json["plate"] == "BK 12** ***" and public.json["amount"] == 3000
    )
    forged = receipt["code"][:-4] + ("AAAA" if not receipt["code"].endswith("AAAA") else "BBBB")
    assert client.get(f"/api/v1/parking/receipts/{forged}").json["reason"] == "receipt_not_found"


def test_end_before_start_is_refused(client, attendant, start):
    jukir = attendant()
    session = start(jukir["headers"]).json
    before = (clock.now() - timedelta(minutes=10)).isoformat()
    r = client.post(
        f"/api/v1/parking/sessions/{session['id']}/end", json={"ended_at": before}, headers=jukir["headers"]
    )
    assert r.status_code == 422 and r.json["reason"] == "end_before_start"
    assert (
        client.get(f"/api/v1/parking/sessions/{session['id']}", headers=jukir["headers"]).json["state"]
        == "open"
    )


def test_another_attendant_cannot_end_my_session(client, attendant, start):
    mine, other = attendant(), attendant()
    session = start(mine["headers"]).json
    r = client.post(f"/api/v1/parking/sessions/{session['id']}/end", json={}, headers=other["headers"])
    assert r.status_code == 404 and r.json["reason"] == "session_not_found"


def test_offline_batch_keeps_the_good_items_and_says_why_for_each_bad_one(client, attendant):
    jukir = attendant()
    now = clock.now()
    good = visit(
        started_at=(now - timedelta(hours=2)).isoformat(), ended_at=(now - timedelta(hours=1)).isoformat()
    )
    items = [
        good,
        visit(plate="ZZ 1 A", started_at=(now - timedelta(hours=1)).isoformat()),
        visit(plate="BK 2 B", started_at=(now + timedelta(hours=1)).isoformat()),
        visit(plate="BK 3 C", started_at=(now - timedelta(days=10)).isoformat()),
        visit(
            plate="BK 4 D",
            started_at=(now - timedelta(hours=1)).isoformat(),
            ended_at=(now - timedelta(hours=2)).isoformat(),
        ),
        visit(plate="BK 5 E", zone_code="MERDEKA-1", started_at=(now - timedelta(hours=1)).isoformat()),
        visit(plate="BK 6 F", started_at=(now - timedelta(minutes=30)).isoformat()),
    ]
    r = client.post("/api/v1/parking/sessions/batch", json={"items": items}, headers=jukir["headers"])
    assert r.status_code == 200, r.json
    assert [a["index"] for a in r.json["accepted"]] == [0, 6]
    reasons = {x["index"]: x["reason"] for x in r.json["rejected"]}
    assert reasons == {
        1: "invalid_plate",
        2: "clock_skew",
        3: "offline_too_old",
        4: "end_before_start",
        5: "zone_not_assigned",
    }
    # Uploading the same batch again (the handheld never saw the answer) adds nothing.
    again = client.post("/api/v1/parking/sessions/batch", json={"items": items}, headers=jukir["headers"])
    assert [a["created"] for a in again.json["accepted"]] == [False, False]
    sessions = client.get("/api/v1/parking/sessions", headers=jukir["headers"]).json
    assert len(sessions) == 2 and all(s["offline"] for s in sessions)
    ended = next(s for s in sessions if s["id"] == good["id"])
    assert ended["state"] == "ended"


def _jpeg() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 200)).save(out, "JPEG")
    return base64.b64encode(out.getvalue()).decode()


def test_photo_is_cleaned_and_only_for_those_who_may_see_it(client, attendant, start, staff):
    jukir = attendant()
    session = start(jukir["headers"], photo=_jpeg()).json
    assert session["has_photo"] is True
    r = client.get(f"/api/v1/parking/sessions/{session['id']}/photo", headers=jukir["headers"])
    assert r.status_code == 200 and r.data[:2] == b"\xff\xd8"
    putr = staff("officer", "DINAS_PUTR")
    assert (
        client.get(f"/api/v1/parking/sessions/{session['id']}/photo", headers=putr["headers"]).status_code
        == 404
    )
    bad = start(
        jukir["headers"],
        expect=422,
        id=str(uuid.uuid4()),
        plate="BK 8 H",
        photo=base64.b64encode(b"not an image").decode(),
    )
    assert bad.json["reason"] == "invalid_photo"

"""The enforcement check: plate + location (or zone) + time → allowed or not, until when, why."""

from __future__ import annotations

from datetime import timedelta

from gateway.kernel import clock
from tests.parking.conftest import IN_SUTOMO

CHECK = "/api/v1/parking/enforcement/check"


def test_an_open_visit_is_allowed_and_the_zone_is_found_from_the_location(client, attendant, start, dishub):
    jukir = attendant()
    session = start(jukir["headers"]).json
    r = client.post(CHECK, json={"plate": "bk1234abc", **IN_SUTOMO}, headers=dishub["headers"])
    assert r.status_code == 200, r.json
    assert r.json["allowed"] is True and r.json["reason"] == "session_open" and r.json["until"] is None
    assert r.json["zone_code"] == "SUTOMO-1" and r.json["session"]["reference"] == session["reference"]
    # a few metres outside the painted area (GPS) still counts as the zone
    near = client.post(
        CHECK, json={"plate": "BK 1234 ABC", "lat": 2.95934, "lon": 99.0685}, headers=dishub["headers"]
    )
    assert near.json["zone_code"] == "SUTOMO-1"


def test_an_ended_visit_stays_allowed_for_the_grace_period(client, attendant, start, dishub):
    jukir = attendant()
    session = start(jukir["headers"]).json
    ended = client.post(
        f"/api/v1/parking/sessions/{session['id']}/end", json={}, headers=jukir["headers"]
    ).json
    r = client.post(CHECK, json={"plate": "BK 1234 ABC", "zone_code": "SUTOMO-1"}, headers=dishub["headers"])
    assert r.json["allowed"] is True and r.json["reason"] == "grace_period" and r.json["grace_minutes"] == 15
    assert r.json["until"] > ended["ended_at"]
    with clock.frozen(clock.now() + timedelta(minutes=20)):
        late = client.post(
            CHECK, json={"plate": "BK 1234 ABC", "zone_code": "SUTOMO-1"}, headers=dishub["headers"]
        )
    assert late.json["allowed"] is False and late.json["reason"] == "session_expired"


def test_no_visit_or_a_visit_elsewhere_is_not_allowed(client, attendant, start, dishub):
    r = client.post(CHECK, json={"plate": "BK 1 A", "zone_code": "SUTOMO-1"}, headers=dishub["headers"])
    assert r.json["allowed"] is False and r.json["reason"] == "no_session" and r.json["session"] is None
    jukir = attendant("MERDEKA-1")
    start(jukir["headers"], zone_code="MERDEKA-1", plate="BK 1 A")
    r = client.post(CHECK, json={"plate": "BK 1 A", "zone_code": "SUTOMO-1"}, headers=dishub["headers"])
    assert (
        r.json["allowed"] is False
        and r.json["reason"] == "session_in_other_zone"
        and r.json["other_zone"] == "MERDEKA-1"
    )
    # a check about the past: before the visit started there was none
    before = (clock.now() - timedelta(hours=1)).isoformat()
    r = client.post(
        CHECK, json={"plate": "BK 1 A", "zone_code": "MERDEKA-1", "at": before}, headers=dishub["headers"]
    )
    assert r.json["allowed"] is False


def test_a_location_outside_every_zone_and_other_callers_are_refused(client, zones, dishub, staff, attendant):
    r = client.post(CHECK, json={"plate": "BK 1 A", "lat": 2.9700, "lon": 99.0800}, headers=dishub["headers"])
    assert r.status_code == 422 and r.json["reason"] == "no_zone_here"
    r = client.post(CHECK, json={"plate": "BK 1 A"}, headers=dishub["headers"])
    assert r.status_code == 422 and r.json["reason"] == "location_required"
    putr = staff("officer", "DINAS_PUTR")
    assert (
        client.post(
            CHECK, json={"plate": "BK 1 A", "zone_code": "SUTOMO-1"}, headers=putr["headers"]
        ).status_code
        == 403
    )
    jukir = attendant()
    assert (
        client.post(
            CHECK, json={"plate": "BK 1 A", "zone_code": "SUTOMO-1"}, headers=jukir["headers"]
        ).status_code
        == 403
    )


def test_checking_a_registered_owners_plate_is_in_her_access_log(client, citizen, zones, dishub):
    owner = citizen()
    client.post(
        "/api/v1/parking/plates", json={"plate": "BK 5 OWN", "vehicle_class": "car"}, headers=owner["headers"]
    )
    client.post(CHECK, json={"plate": "BK 5 OWN", "zone_code": "SUTOMO-1"}, headers=dishub["headers"])
    log = client.get("/api/v1/me/access-log", headers=owner["headers"]).json
    assert [e["action"] for e in log] == ["check:parking_enforcement"]

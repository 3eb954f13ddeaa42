"""Zones and tariffs as data: the public GeoJSON map, versioned tariffs, events, assignments, devices."""

from __future__ import annotations

from datetime import timedelta

from gateway.kernel import clock
from tests.parking.conftest import SUTOMO


def test_public_map_is_geojson_with_the_perda_tariffs(client, zones):
    r = client.get("/api/v1/parking/zones")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert r.json["type"] == "FeatureCollection"
    sutomo = next(f for f in r.json["features"] if f["id"] == "SUTOMO-1")
    assert sutomo["geometry"]["type"] == "Polygon"
    props = sutomo["properties"]
    assert props["kelurahan"] == "Kebun Sayur" and props["e_parking"] is True and props["capacity"] == 40
    assert props["tariffs"]["visit"] == {
        "motorcycle": 2000,
        "car": 3000,
        "four_wheel_goods": 4000,
        "six_wheel": 6000,
        "over_six_wheel": 8000,
    }
    assert props["tariffs"]["monthly"]["motorcycle"] == 50000
    assert props["tariffs"]["monthly"]["over_six_wheel"] == 250000
    cashless = client.get("/api/v1/parking/zones?e_parking=true").json["features"]
    assert [f["id"] for f in cashless] == ["SUTOMO-1"]


def test_zone_geometry_and_place_are_checked(client, dishub):
    outside = {
        **SUTOMO,
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[106.8, -6.2], [106.9, -6.2], [106.9, -6.1], [106.8, -6.2]]],
        },
    }
    r = client.post("/api/v1/parking/zones", json=outside, headers=dishub["headers"])
    assert r.status_code == 422 and r.json["reason"] == "invalid_geometry"
    open_ring = {
        **SUTOMO,
        "geometry": {"type": "Polygon", "coordinates": [[[99.068, 2.959], [99.069, 2.959], [99.069, 2.960]]]},
    }
    assert (
        client.post("/api/v1/parking/zones", json=open_ring, headers=dishub["headers"]).json["reason"]
        == "invalid_geometry"
    )
    r = client.post(
        "/api/v1/parking/zones", json={**SUTOMO, "kelurahan_code": "12.71.01.1001"}, headers=dishub["headers"]
    )
    assert r.json["reason"] == "invalid_kelurahan"
    assert client.post("/api/v1/parking/zones", json=SUTOMO, headers=dishub["headers"]).status_code == 201
    r = client.post("/api/v1/parking/zones", json=SUTOMO, headers=dishub["headers"])
    assert r.status_code == 409 and r.json["reason"] == "zone_exists"


def test_only_dishub_manages_zones(client, staff):
    putr = staff("officer", "DINAS_PUTR")
    r = client.post("/api/v1/parking/zones", json=SUTOMO, headers=putr["headers"])
    assert r.status_code == 403 and r.json["reason"] == "role_not_allowed"
    assert client.get("/api/v1/parking/zones").json["features"] == []


def test_a_new_tariff_is_a_version_from_a_future_date(client, dishub, restore_tariffs):
    tomorrow = (clock.local_today() + timedelta(days=1)).isoformat()
    body = {
        "vehicle_class": "car",
        "kind": "visit",
        "amount": 4000,
        "effective_from": tomorrow,
        "legal_basis": "Perwa 7/2026",
    }
    r = client.post("/api/v1/parking/tariffs", json=body, headers=dishub["headers"])
    assert r.status_code == 201, r.json
    cars = [
        t
        for t in client.get("/api/v1/parking/tariffs").json
        if t["vehicle_class"] == "car" and t["kind"] == "visit"
    ]
    assert [(t["amount"], t["effective_to"]) for t in cars] == [(4000, None), (3000, tomorrow)]
    # Today's map still shows the Perda price: the change is not retroactive.
    sutomo = client.get("/api/v1/parking/zones").json["features"]
    assert sutomo == [] or sutomo[0]["properties"]["tariffs"]["visit"]["car"] == 3000
    again = client.post("/api/v1/parking/tariffs", json=body, headers=dishub["headers"])
    assert again.status_code == 409 and again.json["reason"] == "tariff_version_exists"
    past = client.post(
        "/api/v1/parking/tariffs", json={**body, "effective_from": "2025-01-01"}, headers=dishub["headers"]
    )
    assert past.status_code == 422 and past.json["reason"] == "tariff_backdated"


def test_event_rates_and_zone_events(client, dishub, zones):
    rates = {r["kind"]: r["multiple"] for r in client.get("/api/v1/parking/event-rates").json}
    assert rates == {"commercial": 3, "private": 2, "social": 1}
    now = clock.now()
    body = {
        "kind": "commercial",
        "name": "Pekan Raya Siantar",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=5)).isoformat(),
    }
    r = client.post("/api/v1/parking/zones/SUTOMO-1/events", json=body, headers=dishub["headers"])
    assert r.status_code == 201, r.json
    sutomo = next(f for f in client.get("/api/v1/parking/zones").json["features"] if f["id"] == "SUTOMO-1")
    assert sutomo["properties"]["events"][0]["name"] == "Pekan Raya Siantar"
    bad = client.post(
        "/api/v1/parking/zones/SUTOMO-1/events", json={**body, "kind": "wedding"}, headers=dishub["headers"]
    )
    assert bad.status_code == 422 and bad.json["reason"] == "unknown_event_kind"
    assert (
        client.post("/api/v1/parking/zones/NOPE-1/events", json=body, headers=dishub["headers"]).status_code
        == 404
    )


def test_assignments_have_periods_and_do_not_overlap(client, dishub, attendant):
    jukir = attendant("SUTOMO-1", valid_from="2026-01-01T00:00:00+07:00")
    assert client.get("/api/v1/parking/me/zones", headers=jukir["headers"]).json["zones"] == ["SUTOMO-1"]
    body = {
        "attendant_id": jukir["staff"].id,
        "zone_code": "SUTOMO-1",
        "valid_from": "2026-06-01T00:00:00+07:00",
    }
    r = client.post("/api/v1/parking/assignments", json=body, headers=dishub["headers"])
    assert r.status_code == 409 and r.json["reason"] == "assignment_overlaps"
    r = client.post(f"/api/v1/parking/assignments/{jukir['assignment']['id']}/end", headers=dishub["headers"])
    assert r.status_code == 200 and r.json["valid_to"] is not None
    assert client.get("/api/v1/parking/me/zones", headers=jukir["headers"]).json["zones"] == []
    listed = client.get(
        f"/api/v1/parking/assignments?attendant_id={jukir['staff'].id}", headers=dishub["headers"]
    ).json
    assert len(listed) == 1  # the history stays


def test_only_attendants_can_be_assigned(client, dishub, zones, staff):
    counter = staff("counter")
    body = {
        "attendant_id": counter["staff"].id,
        "zone_code": "SUTOMO-1",
        "valid_from": "2026-01-01T00:00:00+07:00",
    }
    r = client.post("/api/v1/parking/assignments", json=body, headers=dishub["headers"])
    assert r.status_code == 422 and r.json["reason"] == "unknown_attendant"


def test_devices_are_registered_once_with_a_qris_terminal_label(client, dishub):
    r = client.post(
        "/api/v1/parking/devices",
        json={"device_id": "hh-0007", "serial_number": "S1"},
        headers=dishub["headers"],
    )
    assert r.status_code == 201 and r.json["device_id"] == "HH-0007"
    again = client.post(
        "/api/v1/parking/devices",
        json={"device_id": "HH-0007", "serial_number": "S2"},
        headers=dishub["headers"],
    )
    assert again.status_code == 409 and again.json["reason"] == "device_exists"
    bad = client.post(
        "/api/v1/parking/devices",
        json={"device_id": "HH 0007!", "serial_number": "S3"},
        headers=dishub["headers"],
    )
    assert bad.status_code == 422 and bad.json["reason"] == "invalid_device_id"
    assert [
        d["device_id"] for d in client.get("/api/v1/parking/devices", headers=dishub["headers"]).json
    ] == ["HH-0007"]

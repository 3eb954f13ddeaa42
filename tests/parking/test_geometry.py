"""Zones as drawn, not as boxes: an L-shaped street corner, a market square with the building cut out
(a hole) and its car park across the road (a MultiPolygon). Where the enforcement officer stands finds
the zone by its polygon; the reconciliation flags a visit recorded in the L's notch, which its bounding
box would have taken for the zone."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from gateway.kernel import clock
from services.parking import geo
from tests.parking.conftest import SUTOMO, visit

CHECK = "/api/v1/parking/enforcement/check"
# Jl. Sutomo turning into Jl. Merdeka: 440 m along, 110 m deep, then 110 m wide and 440 m up.
CORNER = [
    [99.0850, 2.9800], [99.0890, 2.9800], [99.0890, 2.9810], [99.0860, 2.9810],
    [99.0860, 2.9840], [99.0850, 2.9840], [99.0850, 2.9800],
]  # fmt: skip
SQUARE = [[99.0950, 2.9800], [99.1010, 2.9800], [99.1010, 2.9860], [99.0950, 2.9860], [99.0950, 2.9800]]
BUILDING = [[99.0965, 2.9815], [99.0965, 2.9845], [99.0995, 2.9845], [99.0995, 2.9815], [99.0965, 2.9815]]
ACROSS = [[99.1050, 2.9800], [99.1060, 2.9800], [99.1060, 2.9810], [99.1050, 2.9810], [99.1050, 2.9800]]
L_ZONE = {**SUTOMO, "code": "SUDUT-1", "geometry": {"type": "Polygon", "coordinates": [CORNER]}}
MARKET = {
    **SUTOMO,
    "code": "PASAR-1",
    "geometry": {"type": "MultiPolygon", "coordinates": [[SQUARE, BUILDING], [ACROSS]]},
}
IN_NOTCH = {"lat": 2.9830, "lon": 99.0880}  # inside the L's box, ≈ 220 m from the L
NOTCH_EDGE = {"lat": 2.9812, "lon": 99.0880}  # in the notch, ≈ 22 m from the L: GPS, not another place
IN_BUILDING = {"lat": 2.9830, "lon": 99.0980}  # in the hole, ≈ 165 m from the square's open ground


@pytest.fixture
def drawn(client, dishub, zones):
    for body in (L_ZONE, MARKET):
        r = client.post("/api/v1/parking/zones", json=body, headers=dishub["headers"])
        assert r.status_code == 201, r.json


def _zone_at(client, dishub, lat, lon):
    r = client.post(CHECK, json={"plate": "BK 1 A", "lat": lat, "lon": lon}, headers=dishub["headers"])
    return r.json["zone_code"] if r.status_code == 200 else r.json["reason"]


@pytest.mark.parametrize(
    ("lat", "lon", "found"),
    [
        (2.9805, 99.0870, "SUDUT-1"),  # in the long arm
        (2.9800, 99.0870, "SUDUT-1"),  # on the kerb line (the edge itself)
        (2.9810, 99.0860, "SUDUT-1"),  # on the inner corner
        (2.97991, 99.0870, "SUDUT-1"),  # 10 m off the edge: GPS error
        (2.9797, 99.0870, "no_zone_here"),  # 33 m off
        (IN_NOTCH["lat"], IN_NOTCH["lon"], "no_zone_here"),  # inside the box, outside the L
        (2.9805, 99.0955, "PASAR-1"),  # the square's open ground
        (IN_BUILDING["lat"], IN_BUILDING["lon"], "no_zone_here"),  # the market building (the hole)
        (2.9845, 99.0980, "PASAR-1"),  # on the building's wall (the hole's edge)
        (2.9805, 99.1055, "PASAR-1"),  # the car park across the road (second polygon)
        (2.9805, 99.1030, "no_zone_here"),  # the road between the two polygons
    ],
)
def test_the_officers_location_finds_the_zone_by_its_polygon(client, dishub, drawn, lat, lon, found):
    assert _zone_at(client, dishub, lat, lon) == found


def test_a_visit_in_the_ls_notch_or_the_market_building_is_flagged_outside_its_zone(
    client, dishub, drawn, attendant
):
    flagged = {}
    for zone, spots in (("SUDUT-1", (IN_NOTCH, NOTCH_EDGE, {"lat": 2.9805, "lon": 99.0870})),
                        ("PASAR-1", (IN_BUILDING, {"lat": 2.9805, "lon": 99.1055}))):  # fmt: skip
        jukir = attendant(zone)
        at = clock.now().replace(microsecond=0) - timedelta(hours=3)
        items = [
            visit(
                zone_code=zone,
                plate=f"BK {i + 1} X",
                started_at=(at + timedelta(minutes=i)).isoformat(),
                **spot,
            )
            for i, spot in enumerate(spots)
        ]
        r = client.post("/api/v1/parking/sessions/batch", json={"items": items}, headers=jukir["headers"])
        assert not r.json["rejected"], r.json
        since, today = clock.local_today(at), clock.local_today()
        rows = client.get(
            f"/api/v1/parking/reconciliation?from={since}&to={today}&group=zone", headers=dishub["headers"]
        ).json["rows"]
        flagged[zone] = next((row["outside_zone"], row["flags"]) for row in rows if row["key"] == zone)
    assert flagged["SUDUT-1"][0] == 1 and "sessions_outside_zone" in flagged["SUDUT-1"][1]  # the notch only
    assert flagged["PASAR-1"][0] == 1 and "sessions_outside_zone" in flagged["PASAR-1"][1]


def test_distances_to_a_polygon_with_a_hole_and_a_second_part():
    parts = geo.polygons(MARKET["geometry"])
    assert not geo.is_box(parts) and geo.is_box(geo.polygons(SUTOMO["geometry"]))
    assert geo.distance_to(parts, 2.9805, 99.0955) == 0.0
    assert geo.distance_to(parts, 2.9815, 99.0980) == 0.0  # the hole's edge belongs to the zone
    assert geo.distance_to(parts, 2.9805, 99.1055) == 0.0
    hole = geo.distance_to(parts, IN_BUILDING["lat"], IN_BUILDING["lon"])
    assert math.isclose(hole, 0.0015 * 111_320 * math.cos(math.radians(2.983)), rel_tol=0.01)
    gap = geo.distance_to(parts, 2.9805, 99.1030)  # 0.002° from each part: the nearer is 0.002° away
    assert math.isclose(gap, 0.0020 * 111_320 * math.cos(math.radians(2.9805)), rel_tol=0.01)

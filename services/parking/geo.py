"""Zone geometry: GeoJSON (WGS84, [lon, lat]) checked once, and "which zone is this point in"."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

# Kota Pematangsiantar with a margin: a zone or a location outside this box is a typo, not a place.
LAT_RANGE = (2.90, 3.02)
LON_RANGE = (99.00, 99.12)
# A handheld's or an officer's GPS is a few metres off; a point this close to a zone counts as in it.
NEAR_METRES = 15.0
# A visit recorded farther than this from its zone's polygon: the handheld was not at the point.
OUTSIDE_METRES = 100.0

Ring = list[tuple[float, float]]


class GeometryProblem(ValueError):
    """The geometry is not a usable zone: the message says why."""


def polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    """The polygons (outer ring first, then holes) of a Polygon or MultiPolygon; raises GeometryProblem."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        parts = [coords]
    elif kind == "MultiPolygon" and isinstance(coords, list):
        parts = coords
    else:
        raise GeometryProblem("type must be Polygon or MultiPolygon")
    if not parts:
        raise GeometryProblem("no coordinates")
    return [[_ring(ring) for ring in _list(polygon, "polygon")] for polygon in parts]


def _list(value: Any, what: str) -> list:
    if not isinstance(value, list) or not value:
        raise GeometryProblem(f"{what} must be a non-empty array")
    return value


def _ring(raw: Any) -> Ring:
    ring = []
    for point in _list(raw, "ring"):
        if not (isinstance(point, list) and len(point) in (2, 3)):
            raise GeometryProblem("a position is [lon, lat]")
        lon, lat = point[0], point[1]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
            raise GeometryProblem("a position is two numbers")
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            raise GeometryProblem("outside Kota Pematangsiantar (positions are [lon, lat])")
        ring.append((float(lon), float(lat)))
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise GeometryProblem("a ring has at least 4 positions and ends where it starts")
    return ring


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of the outer rings."""
    points = [p for polygon in polygons(geometry) for p in polygon[0]]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def in_city(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def _inside(ring: Ring, lon: float, lat: float) -> bool:
    """Ray casting (even–odd): fine at street scale, where the Earth is flat enough."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _metres(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and latitude near `lat`."""
    return 111_320.0 * math.cos(math.radians(lat)), 110_574.0


def _segment_distance(lon: float, lat: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    mx, my = _metres(lat)
    px, py = (lon - a[0]) * mx, (lat - a[1]) * my
    dx, dy = (b[0] - a[0]) * mx, (b[1] - a[1]) * my
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, (px * dx + py * dy) / length))
    return math.hypot(px - t * dx, py - t * dy)


def distance_metres(geometry: dict[str, Any], lat: float, lon: float) -> float:
    """0 inside the zone, else the distance to its nearest edge."""
    return distance_to(polygons(geometry), lat, lon)


def is_box(parts: list[list[Ring]]) -> bool:
    """One polygon without holes whose corners are its bounding box's: the box test is exact for it."""
    if len(parts) != 1 or len(parts[0]) != 1:
        return False
    ring = parts[0][0]
    lons, lats = {p[0] for p in ring}, {p[1] for p in ring}
    return len(ring) == 5 and len(lons) == 2 and len(lats) == 2 and len(set(ring)) == 4


def distance_to(parts: list[list[Ring]], lat: float, lon: float) -> float:
    """distance_metres on polygons already read (a report measures many points against one zone).

    Inside an outer ring and in none of its holes is inside; on an edge is 0 whatever the ray says."""
    best = math.inf
    for polygon in parts:
        outer, holes = polygon[0], polygon[1:]
        if _inside(outer, lon, lat) and not any(_inside(h, lon, lat) for h in holes):
            return 0.0
        for ring in polygon:
            for a, b in zip(ring, ring[1:], strict=False):
                best = min(best, _segment_distance(lon, lat, a, b))
    return best


def nearest(candidates: Iterable[tuple[Any, dict[str, Any]]], lat: float, lon: float) -> Any | None:
    """The candidate whose geometry holds the point (or is within NEAR_METRES), nearest first."""
    found = [(distance_metres(geometry, lat, lon), key) for key, geometry in candidates]
    found = [(d, key) for d, key in found if d <= NEAR_METRES]
    return min(found, key=lambda pair: pair[0])[1] if found else None

"""Parking zones as data: created by Dishub, published as GeoJSON with the tariffs in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.identity import wilayah
from gateway.kernel import clock
from gateway.kernel.settings import region_code
from services.parking import geo
from services.parking.errors import InvalidGeometry, ZoneExists, ZoneNotFound, invalid
from services.parking.models import Zone, ZoneEvent
from services.parking.service.access import require_manager
from services.parking.service.tariffs import tariffs_in_force


def _kelurahan_names() -> dict[str, str]:
    return dict(wilayah.kelurahan_of(region_code()))


def create_zone(
    uow: UnitOfWork,
    *,
    principal: Principal,
    code: str,
    name: str,
    kelurahan_code: str,
    road: str,
    capacity: int,
    e_parking: bool,
    geometry: dict[str, Any],
) -> Zone:
    """A new parking point; its geometry must be a Polygon/MultiPolygon inside the city."""
    require_manager(principal)
    if kelurahan_code not in _kelurahan_names():
        raise invalid("kelurahan_code", "Not a kelurahan of Kota Pematangsiantar", "invalid_kelurahan")
    try:
        min_lon, min_lat, max_lon, max_lat = geo.bbox(geometry)
    except geo.GeometryProblem as problem:
        raise InvalidGeometry(
            f"Invalid geometry: {problem}", errors={"json": {"geometry": [str(problem)]}}
        ) from None
    with uow:
        session = session_of(uow)
        if session.scalar(select(Zone.id).where(Zone.code == code)) is not None:
            raise ZoneExists(f"Zone {code} exists already")
        zone = Zone(
            code=code,
            name=name,
            kelurahan_code=kelurahan_code,
            road=road,
            capacity=capacity,
            e_parking=e_parking,
            geometry={"type": geometry["type"], "coordinates": geometry["coordinates"]},
            min_lon=min_lon,
            min_lat=min_lat,
            max_lon=max_lon,
            max_lat=max_lat,
        )
        session.add(zone)
        uow.commit()
        return zone


def zone_by_code(uow: UnitOfWork, code: str) -> Zone:
    zone = session_of(uow).scalar(select(Zone).where(Zone.code == code, Zone.active.is_(True)))
    if zone is None:
        raise ZoneNotFound(f"No parking zone {code}")
    return zone


def zone_at(uow: UnitOfWork, lat: float, lon: float) -> Zone | None:
    """The active zone at a point (or within a few metres of it): the bounding boxes narrow it first."""
    margin = 0.0005  # ≈ 55 m, more than geo.NEAR_METRES
    stmt = select(Zone).where(
        Zone.active.is_(True),
        Zone.min_lat - margin <= lat,
        Zone.max_lat + margin >= lat,
        Zone.min_lon - margin <= lon,
        Zone.max_lon + margin >= lon,
    )
    return geo.nearest(((z, z.geometry) for z in session_of(uow).scalars(stmt)), lat, lon)


def zone_for(uow: UnitOfWork, zone_code: str | None, lat: float | None, lon: float | None) -> Zone:
    """The zone named, else the zone at the location (422 location_required / no_zone_here)."""
    if zone_code:
        return zone_by_code(uow, zone_code)
    if lat is None or lon is None:
        raise invalid("zone_code", "Give a zone or a location (lat and lon)", "location_required")
    zone = zone_at(uow, lat, lon)
    if zone is None:
        raise invalid("lat", "No parking zone at this location", "no_zone_here")
    return zone


def _feature(
    zone: Zone, tariffs: dict[str, dict[str, int]], events: list[ZoneEvent], kelurahan: dict
) -> dict:
    return {
        "type": "Feature",
        "id": zone.code,
        "geometry": zone.geometry,
        "properties": {
            "code": zone.code,
            "name": zone.name,
            "kelurahan_code": zone.kelurahan_code,
            "kelurahan": kelurahan.get(zone.kelurahan_code),
            "road": zone.road,
            "capacity": zone.capacity,
            "e_parking": zone.e_parking,
            "cashless": zone.e_parking,
            "tariffs": tariffs,
            "events": [
                {
                    "kind": e.kind,
                    "name": e.name,
                    "starts_at": clock.local(e.starts_at).isoformat(),
                    "ends_at": clock.local(e.ends_at).isoformat(),
                }
                for e in events
            ],
        },
    }


def zones_geojson(
    uow: UnitOfWork, *, at: datetime | None = None, e_parking: bool | None = None
) -> dict[str, Any]:
    """Every active zone as a GeoJSON FeatureCollection (RFC 7946), tariffs and current events included."""
    at = at or clock.now()
    with uow:
        session = session_of(uow)
        stmt = select(Zone).where(Zone.active.is_(True)).order_by(Zone.code)
        if e_parking is not None:
            stmt = stmt.where(Zone.e_parking.is_(e_parking))
        zones = list(session.scalars(stmt))
        tariffs = tariffs_in_force(uow, clock.local_today(at))
        events: dict[str, list[ZoneEvent]] = {}
        for event in session.scalars(
            select(ZoneEvent).where(ZoneEvent.ends_at > at).order_by(ZoneEvent.starts_at)
        ):
            events.setdefault(event.zone_code, []).append(event)
        kelurahan = _kelurahan_names()
        return {
            "type": "FeatureCollection",
            "features": [_feature(z, tariffs, events.get(z.code, []), kelurahan) for z in zones],
        }

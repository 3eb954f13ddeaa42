"""Shared by the complaint use cases: the city's bounds, limits, status labels, small helpers."""

from __future__ import annotations

import re
from datetime import datetime

from gateway.errors import ValidationFailed
from gateway.identity import wilayah
from gateway.kernel import clock
from gateway.kernel.settings import region_code

# Pematang Siantar's bounding box (generous by a few hundred metres at each edge).
LAT_RANGE = (2.90, 3.02)

LON_RANGE = (99.00, 99.12)

MAX_DESCRIPTION = 4000

NEARBY_METRES = 250

NEARBY_DAYS = 30

REOPEN_WORKDAYS = 10

AUTO_CLOSE_WORKDAYS = 10

OPEN311_SCOPE = "open311:write"

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# States a complaint only reaches after it was assigned to an OPD.
ASSIGNED_STATES = ("assigned", "in_progress", "resolved", "closed")

STATUS_LABELS = {
    "submitted": "diterima, menunggu verifikasi",
    "verified": "terverifikasi",
    "rejected": "ditolak",
    "assigned": "diteruskan ke OPD",
    "in_progress": "sedang dikerjakan",
    "resolved": "selesai ditangani",
    "closed": "ditutup",
    "duplicate": "digabung dengan pengaduan lain",
}


def _now(now: datetime | None) -> datetime:
    return now or clock.now()


def invalid_field(field: str, message: str, reason: str = "validation_failed") -> ValidationFailed:
    return ValidationFailed(message, reason=reason, errors={"json": {field: [message]}})


def _check_location(
    lat: float | None,
    lon: float | None,
    kelurahan_code: str | None,
    address: str | None,
    *,
    required: bool = True,
) -> tuple[float | None, float | None, str | None, str | None]:
    if (lat is None) != (lon is None):
        raise invalid_field("lat" if lat is None else "lon", "Give both lat and lon", "invalid_location")
    inside = lat is None or (
        LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= (lon or 0) <= LON_RANGE[1]
    )
    if not inside:
        raise ValidationFailed(
            "Location is outside Kota Pematangsiantar",
            reason="outside_city",
            errors={"json": {"lat": ["outside the city"], "lon": ["outside the city"]}},
        )
    address = (address or "").strip()[:300] or None
    if kelurahan_code:
        codes = {code for code, _ in wilayah.kelurahan_of(region_code())}
        if kelurahan_code not in codes:
            raise invalid_field(
                "kelurahan_code", "Not a kelurahan of Kota Pematangsiantar", "invalid_location"
            )
        if lat is None and not address:
            raise invalid_field("address", "An address is required with a kelurahan", "invalid_location")
    elif lat is None and required:
        raise ValidationFailed(
            "Give a location: lat/lon, or a kelurahan and an address",
            reason="location_required",
            errors={"json": {"lat": ["lat/lon or kelurahan_code + address required"]}},
        )
    return lat, lon, kelurahan_code, address

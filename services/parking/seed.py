"""Parking seeders: the Perda 1/2024 tariffs and event multiples (reference), demo zones, an assigned
attendant and his handheld (demo, for `make run`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from gateway.db import UnitOfWork, session_of
from gateway.identity import Staff
from services.parking import geo
from services.parking.models import Assignment, Device, Zone
from services.parking.service import tariffs


def seed_reference() -> None:
    with UnitOfWork() as uow:
        tariffs.seed_reference(uow)
        uow.commit()


def _box(lon: float, lat: float, d_lon: float, d_lat: float) -> dict:
    """A rectangle along a street: [lon, lat] corners, closed."""
    ring = [[lon, lat], [lon + d_lon, lat], [lon + d_lon, lat + d_lat], [lon, lat + d_lat], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# code, name, kelurahan, road, capacity, e-parking, geometry (around Jl. Sutomo / Jl. Merdeka / Pasar Horas)
DEMO_ZONES = (
    (
        "SUTOMO-1",
        "Jl. Sutomo depan SMA 2",
        "12.72.01.1001",
        "Jl. Sutomo",
        40,
        True,
        _box(99.0680, 2.9590, 0.0012, 0.0003),
    ),
    (
        "MERDEKA-1",
        "Jl. Merdeka Lapangan Adam Malik",
        "12.72.02.1003",
        "Jl. Merdeka",
        60,
        True,
        _box(99.0640, 2.9560, 0.0015, 0.0003),
    ),
    (
        "HORAS-1",
        "Pasar Horas sisi Jl. Thamrin",
        "12.72.02.1007",
        "Jl. M.H. Thamrin",
        120,
        False,
        _box(99.0590, 2.9610, 0.0020, 0.0004),
    ),
)
DEMO_DEVICE = "HH-SIANTAR-0001"
DEMO_ATTENDANT = "jukir.01"


def seed_demo() -> None:
    """Idempotent: zones, the demo handheld, and jukir.01 assigned to SUTOMO-1 (if the account exists)."""
    with UnitOfWork() as uow:
        session = session_of(uow)
        have = set(session.scalars(select(Zone.code)))
        for code, name, kel, road, capacity, e_parking, geometry in DEMO_ZONES:
            if code in have:
                continue
            min_lon, min_lat, max_lon, max_lat = geo.bbox(geometry)
            session.add(
                Zone(
                    code=code,
                    name=name,
                    kelurahan_code=kel,
                    road=road,
                    capacity=capacity,
                    e_parking=e_parking,
                    geometry=geometry,
                    min_lon=min_lon,
                    min_lat=min_lat,
                    max_lon=max_lon,
                    max_lat=max_lat,
                )
            )
        admin_id = session.scalar(select(Staff.id).where(Staff.username == "admin")) or "seed"
        if session.scalar(select(Device.id).where(Device.device_id == DEMO_DEVICE)) is None:
            session.add(
                Device(
                    device_id=DEMO_DEVICE,
                    serial_number="EDC-A920-0001",
                    model="PAX A920",
                    registered_by=admin_id,
                )
            )
        attendant_id = session.scalar(select(Staff.id).where(Staff.username == DEMO_ATTENDANT))
        if (
            attendant_id
            and session.scalar(select(Assignment.id).where(Assignment.attendant_id == attendant_id)) is None
        ):
            session.add(
                Assignment(
                    attendant_id=attendant_id,
                    zone_code="SUTOMO-1",
                    valid_from=datetime(2026, 1, 1, tzinfo=UTC),
                    created_by=admin_id,
                )
            )
        uow.commit()

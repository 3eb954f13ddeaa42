"""Parking test helpers: a Dishub officer, zones made over HTTP, an attendant assigned with a handheld."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, update

from gateway.db import UnitOfWork, session_of
from services.parking.models import Tariff
from services.parking.service import tariffs
from tests.payments.conftest import Acquirer, serve_acquirer

PORTS = (8110, 8119)  # this service's loopback ports: our API served for the simulator, the simulator

SUTOMO = {
    "code": "SUTOMO-1",
    "name": "Jl. Sutomo depan SMA 2",
    "kelurahan_code": "12.72.01.1001",
    "road": "Jl. Sutomo",
    "capacity": 40,
    "e_parking": True,
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[99.0680, 2.9590], [99.0692, 2.9590], [99.0692, 2.9593], [99.0680, 2.9593], [99.0680, 2.9590]]
        ],
    },
}
MERDEKA = {
    **SUTOMO,
    "code": "MERDEKA-1",
    "name": "Jl. Merdeka Lapangan Adam Malik",
    "kelurahan_code": "12.72.02.1003",
    "road": "Jl. Merdeka",
    "e_parking": False,
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[99.0640, 2.9560], [99.0655, 2.9560], [99.0655, 2.9563], [99.0640, 2.9563], [99.0640, 2.9560]]
        ],
    },
}
IN_SUTOMO = {"lat": 2.95915, "lon": 99.0685}
DEVICE = "HH-TEST-0001"


@pytest.fixture
def restore_tariffs(app: Flask) -> Iterator[None]:
    """Tariffs are reference data (kept between tests): a test that adds a version takes it back."""
    yield
    with app.app_context(), UnitOfWork() as uow:
        session = session_of(uow)
        session.execute(delete(Tariff).where(Tariff.legal_basis != tariffs.PERDA))
        session.execute(update(Tariff).values(effective_to=None))
        uow.commit()


@pytest.fixture
def acquirer(app: Flask) -> Iterator[Acquirer]:
    """The acquirer simulator (SNAP BI) and our API on real loopback ports, for this test only."""
    with serve_acquirer(app, PORTS) as running:
        yield running


@pytest.fixture
def dishub(staff: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return staff("officer", "DISHUB")


@pytest.fixture
def zones(client: FlaskClient, dishub: dict[str, Any]) -> list[str]:
    for body in (SUTOMO, MERDEKA):
        r = client.post("/api/v1/parking/zones", json=body, headers=dishub["headers"])
        assert r.status_code == 201, r.json
    r = client.post(
        "/api/v1/parking/devices",
        json={"device_id": DEVICE, "serial_number": "EDC-1"},
        headers=dishub["headers"],
    )
    assert r.status_code == 201, r.json
    return ["SUTOMO-1", "MERDEKA-1"]


@pytest.fixture
def attendant(
    client: FlaskClient, staff: Callable[..., dict[str, Any]], dishub: dict[str, Any], zones: list[str]
) -> Callable[..., dict[str, Any]]:
    """attendant(zone="SUTOMO-1", valid_from=…) → an attendant assigned there, with 'assignment'."""

    def _make(
        zone: str = "SUTOMO-1", valid_from: str = "2026-01-01T00:00:00+07:00", valid_to: str | None = None
    ):
        member = staff("attendant", zones=[zone])
        body = {
            "attendant_id": member["staff"].id,
            "zone_code": zone,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
        r = client.post("/api/v1/parking/assignments", json=body, headers=dishub["headers"])
        assert r.status_code == 201, r.json
        return {**member, "assignment": r.json}

    return _make


def visit(**overrides: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "zone_code": "SUTOMO-1",
        "device_id": DEVICE,
        "plate": "BK 1234 ABC",
        "vehicle_class": "car",
        **IN_SUTOMO,
    }
    body.update(overrides)
    return body


@pytest.fixture
def start(client: FlaskClient) -> Callable[..., Any]:
    def _start(headers: dict[str, str], expect: int | None = 201, **overrides: Any) -> Any:
        r = client.post("/api/v1/parking/sessions", json=visit(**overrides), headers=headers)
        if expect is not None:
            assert r.status_code == expect, r.json
        return r

    return _start

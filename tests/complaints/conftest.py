"""Complaint test helpers: file a complaint over HTTP, an SMS from the provider, staff of the desk."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from gateway.db import UnitOfWork
from services.complaints import service, sms_gateway

POTHOLE = {
    "category_code": "jalan_rusak",
    "description": "Jalan berlubang besar di Jl. Sutomo depan SMA 2",
    "lat": 2.9595,
    "lon": 99.0687,
    "attributes": {"ukuran": "besar"},
}


def jpeg(size: tuple[int, int] = (64, 48), *, exif_gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "KameraUji"  # Make
        exif[0x8825] = {1: "N", 2: (2.0, 57.0, 30.0), 3: "E", 4: (99.0, 4.0, 7.0)}  # GPSInfo
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def file_complaint(client: FlaskClient) -> Callable[..., Any]:
    """POST /api/v1/complaints with the pothole body, overridden by keyword arguments."""

    def _file(headers: dict[str, str], expect: int | None = 201, **overrides: Any) -> Any:
        body = {**POTHOLE, **overrides}
        body = {k: v for k, v in body.items() if v is not ...}
        r = client.post("/api/v1/complaints", json=body, headers=headers)
        if expect is not None:
            assert r.status_code == expect, r.json
        return r

    return _file


@pytest.fixture
def desk(staff: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """An officer of the city's complaint desk (DISKOMINFO, position complaint_desk)."""
    return staff("officer", "DISKOMINFO", "complaint_desk")


@pytest.fixture
def send_sms(app: Flask, client: FlaskClient) -> Callable[..., Any]:
    """A message from the provider's webhook, signed with the configured secret."""

    def _send(text: str, sender: str = "+6281370001111", **kw: Any) -> Any:
        kw.setdefault("secret", app.config["WEBHOOK_SECRET_SMS"])
        return sms_gateway.simulate_inbound(client, text=text, sender=sender, **kw)

    return _send


@pytest.fixture
def act(client: FlaskClient) -> Callable[..., Any]:
    """PATCH a complaint with the current ETag (read first), as an officer."""

    def _act(number: str, headers: dict[str, str], expect: int | None = 200, **body: Any) -> Any:
        current = client.get(f"/api/v1/complaints/{number}", headers=headers)
        r = client.patch(
            f"/api/v1/complaints/{number}",
            json=body,
            headers={**headers, "If-Match": current.headers.get("ETag", '"none"')},
        )
        if expect is not None:
            assert r.status_code == expect, r.json
        return r

    return _act


@pytest.fixture
def sweep(app: Flask) -> Callable[[datetime], dict[str, int]]:
    """Run the periodic deadline job at a chosen moment."""

    def _sweep(now: datetime) -> dict[str, int]:
        with app.app_context():
            return service.sweep(UnitOfWork(), now=now)

    return _sweep


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in Asia/Jakarta time, as aware UTC."""
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)

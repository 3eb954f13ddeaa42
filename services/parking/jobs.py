"""Parking jobs: ids in (or none), their own UnitOfWork, safe to run twice."""

from __future__ import annotations

from gateway.db import UnitOfWork
from gateway.kernel.settings import setting
from services.parking import service


def pseudonymise() -> None:
    """Hourly: plates, photos and locations of visits older than PARKING_RETENTION_DAYS are emptied."""
    service.pseudonymise(UnitOfWork(), retention_days=int(setting("PARKING_RETENTION_DAYS")))

"""Who may do what in parking: Dishub manages zones and sees plates, attendants act in their zones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Forbidden
from services.parking.errors import ZoneNotAssigned
from services.parking.models import Assignment, Plate, Session

# The OPD that runs on-street parking, employs the attendants and enforces (Dinas Perhubungan).
PARKING_OPD = "DISHUB"


def is_dishub(principal: Principal | None) -> bool:
    """An officer of Dishub: manages zones and attendants, enforces, and may see plates."""
    return bool(
        principal and principal.is_staff and principal.role == "officer" and principal.opd == PARKING_OPD
    )


def require_manager(principal: Principal) -> None:
    """Zones, tariffs, assignments and devices are changed by Dishub officers or the city's admin."""
    if not (is_dishub(principal) or (principal.is_staff and principal.role == "admin")):
        raise Forbidden("Only Dishub officers manage parking", reason="role_not_allowed")


def require_dishub(principal: Principal) -> None:
    if not is_dishub(principal):
        raise Forbidden("Only Dishub officers may do this", reason="role_not_allowed")


def _assigned(uow: UnitOfWork, column: Any, condition: Any, at: datetime) -> list[str]:
    """One column of the assignments in force at a moment."""
    stmt = select(column).where(
        condition, Assignment.valid_from <= at, or_(Assignment.valid_to.is_(None), Assignment.valid_to > at)
    )
    return sorted(set(session_of(uow).scalars(stmt)))


def zones_of(uow: UnitOfWork, attendant_id: str, at: datetime) -> list[str]:
    """The zones an attendant is assigned to at a moment."""
    return _assigned(uow, Assignment.zone_code, Assignment.attendant_id == attendant_id, at)


def require_assigned(uow: UnitOfWork, principal: Principal, zone_code: str, at: datetime) -> None:
    """An attendant acts only in the zones he is assigned to at that time (403 zone_not_assigned)."""
    if principal.role != "attendant":
        raise Forbidden("Only attendants start and end sessions", reason="role_not_allowed")
    zones = zones_of(uow, principal.id, at)
    if zone_code not in zones:
        raise ZoneNotAssigned(zone_code, {"your_zones": zones})


def on_duty(uow: UnitOfWork, zone_code: str, at: datetime) -> list[str]:
    """The attendants assigned to a zone at a moment (for reports about what happened there then)."""
    return _assigned(uow, Assignment.attendant_id, Assignment.zone_code == zone_code, at)


def owner_of(uow: UnitOfWork, plate_key: str) -> str | None:
    """The resident who registered this plate, if any."""
    return session_of(uow).scalar(select(Plate.resident_id).where(Plate.plate_key == plate_key))


def may_see(uow: UnitOfWork, principal: Principal | None, row: Session) -> bool:
    if principal is None:
        return False
    if principal.is_citizen:
        return owner_of(uow, row.plate_key) == principal.resident_id
    if principal.role == "attendant":
        return row.attendant_id == principal.id
    return is_dishub(principal)

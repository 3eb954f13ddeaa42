"""Attendants assigned to zones for periods, and the handhelds registered to the city."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import or_, select

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Conflict, NotFound
from gateway.identity import Staff
from gateway.kernel import clock
from services.parking.errors import DeviceExists, invalid
from services.parking.models import Assignment, Device
from services.parking.service.access import require_manager, zones_of
from services.parking.service.zones import zone_by_code

# QRIS tag 62/07 (terminal label) holds at most 25 characters; we keep to capitals, digits and dashes.
DEVICE_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,24}$")


def assign(
    uow: UnitOfWork,
    *,
    principal: Principal,
    attendant_id: str,
    zone_code: str,
    valid_from: datetime,
    valid_to: datetime | None = None,
) -> Assignment:
    """Assign an attendant to a zone for a period; the same zone twice in overlapping periods is a 409."""
    require_manager(principal)
    if valid_to is not None and valid_to <= valid_from:
        raise invalid("valid_to", "The period ends after it starts", "invalid_period")
    with uow:
        session = session_of(uow)
        member = session.get(Staff, attendant_id)
        if member is None or member.role != "attendant" or not member.active:
            raise invalid("attendant_id", "Not an active attendant's staff id", "unknown_attendant")
        zone_by_code(uow, zone_code)
        overlap = session.scalar(
            select(Assignment.id).where(
                Assignment.attendant_id == attendant_id,
                Assignment.zone_code == zone_code,
                or_(Assignment.valid_to.is_(None), Assignment.valid_to > valid_from),
                *([Assignment.valid_from < valid_to] if valid_to is not None else []),
            )
        )
        if overlap is not None:
            raise Conflict(
                "The attendant is already assigned to this zone then", reason="assignment_overlaps"
            )
        row = Assignment(
            attendant_id=attendant_id,
            zone_code=zone_code,
            valid_from=valid_from,
            valid_to=valid_to,
            created_by=principal.id,
        )
        session.add(row)
        uow.commit()
        return row


def end_assignment(
    uow: UnitOfWork, *, principal: Principal, assignment_id: str, at: datetime | None = None
) -> Assignment:
    """End an assignment now (or at a later moment); the history stays."""
    require_manager(principal)
    at = at or clock.now()
    with uow:
        row = session_of(uow).get(Assignment, assignment_id, with_for_update=True)
        if row is None:
            raise NotFound("No such assignment", reason="assignment_not_found")
        if row.valid_to is not None and row.valid_to <= at:
            raise Conflict("This assignment has ended already", reason="assignment_ended")
        row.valid_to = max(at, row.valid_from)
        uow.commit()
        return row


def list_assignments(
    uow: UnitOfWork, *, principal: Principal, zone_code: str | None = None, attendant_id: str | None = None
) -> list[Assignment]:
    require_manager(principal)
    with uow:
        stmt = select(Assignment).order_by(Assignment.valid_from.desc())
        if zone_code:
            stmt = stmt.where(Assignment.zone_code == zone_code)
        if attendant_id:
            stmt = stmt.where(Assignment.attendant_id == attendant_id)
        return list(session_of(uow).scalars(stmt.limit(500)))


def register_device(
    uow: UnitOfWork, *, principal: Principal, device_id: str, serial_number: str, model: str | None = None
) -> Device:
    """Register a handheld; its id becomes the QRIS terminal label (tag 62/07) of its invoices."""
    require_manager(principal)
    device_id = device_id.strip().upper()
    if not DEVICE_ID_RE.match(device_id):
        raise invalid("device_id", "3–25 capitals, digits or dashes", "invalid_device_id")
    with uow:
        session = session_of(uow)
        if session.scalar(select(Device.id).where(Device.device_id == device_id)) is not None:
            raise DeviceExists(f"Device {device_id} is registered already")
        device = Device(
            device_id=device_id, serial_number=serial_number, model=model, registered_by=principal.id
        )
        session.add(device)
        uow.commit()
        return device


def list_devices(uow: UnitOfWork, *, principal: Principal) -> list[Device]:
    require_manager(principal)
    with uow:
        return list(session_of(uow).scalars(select(Device).order_by(Device.device_id)))


def my_zones(uow: UnitOfWork, *, principal: Principal, at: datetime | None = None) -> dict:
    """What the handheld shows at sign-in: the attendant's zones now."""
    at = at or clock.now()
    with uow:
        return {"attendant_id": principal.id, "at": at, "zones": zones_of(uow, principal.id, at)}

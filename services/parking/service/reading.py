"""Who sees a visit: plates and photos only for the plate's registered owner, the attendant who
recorded it, and Dishub (the attendants' OPD, which also enforces). Staff reads of a registered
owner's visits are written to her access log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import NotFound
from gateway.kernel import clock
from services.parking import plates
from services.parking.errors import PlateRegistered, SessionNotFound
from services.parking.models import Plate, Session, Zone
from services.parking.service.access import is_dishub, may_see
from services.parking.service.sessions import receipt_code


def audit_read(uow: UnitOfWork, principal: Principal, rows: list[Session], action: str) -> None:
    """One access-log row per registered owner whose visits a staff member read."""
    if principal.is_citizen:
        return
    keys = {r.plate_key: r for r in rows}
    owners = session_of(uow).execute(
        select(Plate.plate_key, Plate.resident_id).where(Plate.plate_key.in_(keys))
    )
    for key, resident_id in owners:
        audit.record(
            uow,
            actor=principal,
            resident_id=resident_id,
            action=action,
            resource=f"parking_session:{keys[key].reference}",
        )


def view(row: Session) -> dict[str, Any]:
    """The full view (for those who may see the plate)."""
    return {
        "id": row.id,
        "reference": row.reference,
        "receipt_code": receipt_code(row),
        "zone_code": row.zone_code,
        "attendant_id": row.attendant_id,
        "device_id": row.device_id,
        "plate": row.plate,
        "vehicle_class": row.vehicle_class,
        "amount": row.amount,
        "multiple": row.multiple,
        "state": row.state,
        "payment_state": row.payment_state,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "offline": row.offline,
        "has_photo": row.photo is not None,
        "pseudonymised": row.pseudonymised_at is not None,
        "billing_code": row.billing_code,
        "qris": row.qris if row.payment_state == "unpaid" else None,
        "paid_at": row.paid_at,
    }


def get_session(uow: UnitOfWork, *, principal: Principal, session_id: str) -> dict[str, Any]:
    with uow:
        row = session_of(uow).get(Session, session_id)
        if row is None or not may_see(uow, principal, row):
            raise SessionNotFound("No such session")
        audit_read(uow, principal, [row], "read:parking_session")
        uow.commit()
        return view(row)


def get_photo(uow: UnitOfWork, *, principal: Principal, session_id: str) -> tuple[bytes, str]:
    with uow:
        row = session_of(uow).get(Session, session_id)
        if row is None or not may_see(uow, principal, row) or row.photo is None:
            raise SessionNotFound("No such session photo")
        audit_read(uow, principal, [row], "read:parking_photo")
        uow.commit()
        return row.photo, row.photo_content_type or "image/jpeg"


def list_sessions(
    uow: UnitOfWork,
    *,
    principal: Principal,
    zone_code: str | None = None,
    plate: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Attendants: their own visits; citizens: their registered plates'; Dishub: any (audited)."""
    from sqlalchemy import func

    with uow:
        session = session_of(uow)
        stmt = select(Session)
        if principal.is_citizen:
            mine = select(Plate.plate_key).where(Plate.resident_id == principal.resident_id)
            stmt = stmt.where(Session.plate_key.in_(mine))
        elif principal.role == "attendant":
            stmt = stmt.where(Session.attendant_id == principal.id)
        elif not is_dishub(principal):
            raise NotFound("No sessions for this caller", reason="session_not_found")
        if zone_code:
            stmt = stmt.where(Session.zone_code == zone_code)
        if plate:
            stmt = stmt.where(Session.plate_key == plates.key(plates.checked(plate)))
        if state:
            stmt = stmt.where(Session.state == state)
        if since:
            stmt = stmt.where(Session.started_at >= since)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = list(session.scalars(stmt.order_by(Session.started_at.desc()).limit(limit).offset(offset)))
        audit_read(uow, principal, rows, "read:parking_session")
        uow.commit()
        return [view(r) for r in rows], total


def _receipt_fields(row: Session, plate: str | None) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "zone_code": row.zone_code,
        "plate": plate,
        "vehicle_class": row.vehicle_class,
        "amount": row.amount,
        "state": row.state,
        "payment_state": row.payment_state,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
    }


def receipt(uow: UnitOfWork, *, principal: Principal, session_id: str) -> dict[str, Any]:
    """What the handheld prints (and the app shows): reference, code, zone, class, amount, times."""
    with uow:
        row = session_of(uow).get(Session, session_id)
        if row is None or not may_see(uow, principal, row):
            raise SessionNotFound("No such session")
        zone = session_of(uow).scalar(select(Zone).where(Zone.code == row.zone_code))
        code = receipt_code(row)
        started = clock.local(row.started_at)
        lines = [
            "PEMKO PEMATANGSIANTAR - RETRIBUSI PARKIR",
            f"{zone.name if zone else row.zone_code}",
            f"No.  {row.reference}",
            f"Plat {row.plate or '-'}  ({row.vehicle_class})",
            f"Masuk {started:%d-%m-%Y %H:%M}",
            f"Tarif Rp{row.amount:,}".replace(",", "."),
            f"Kode {code}",
            "Bayar hanya dengan QRIS. Tanpa uang tunai.",
        ]
        return {
            **_receipt_fields(row, row.plate),
            "code": code,
            "zone_name": zone.name if zone else None,
            "printable": "\n".join(lines),
        }


def verify_receipt(uow: UnitOfWork, *, code: str) -> dict[str, Any]:
    """Anyone may check a printed receipt: masked plate, zone, amount and whether it is paid."""
    reference = code.strip().upper().partition("-")[0]
    with uow:
        row = session_of(uow).scalar(select(Session).where(Session.reference == reference))
        if row is None or receipt_code(row) != code.strip().upper():
            raise NotFound("No receipt with this code", reason="receipt_not_found")
        return _receipt_fields(row, plates.masked(row.plate))


def register_plate(uow: UnitOfWork, *, principal: Principal, plate: str, vehicle_class: str) -> Plate:
    """A citizen registers her plate: she then sees its visits (and can subscribe and pay for it)."""
    normal = plates.checked(plate)
    with uow:
        session = session_of(uow)
        existing = session.scalar(select(Plate).where(Plate.plate == normal))
        if existing is not None:
            if existing.resident_id == principal.resident_id:
                return existing
            raise PlateRegistered("This plate is registered by someone else; ask Dishub if it is yours")
        row = Plate(
            plate=normal,
            plate_key=plates.key(normal),
            resident_id=principal.resident_id,
            vehicle_class=vehicle_class,
        )
        session.add(row)
        uow.commit()
        return row


def my_plates(uow: UnitOfWork, *, principal: Principal) -> list[Plate]:
    with uow:
        stmt = select(Plate).where(Plate.resident_id == principal.resident_id).order_by(Plate.created_at)
        return list(session_of(uow).scalars(stmt))


def remove_plate(uow: UnitOfWork, *, principal: Principal, plate_id: str) -> None:
    with uow:
        result = session_of(uow).execute(
            delete(Plate).where(Plate.id == plate_id, Plate.resident_id == principal.resident_id)
        )
        if result.rowcount == 0:
            raise NotFound("No such plate of yours", reason="plate_not_found")
        uow.commit()


def pseudonymise(
    uow: UnitOfWork, *, now: datetime | None = None, retention_days: int, batch: int = 2000
) -> int:
    """Empty plate, photo and location of visits older than the retention; counts and amounts stay."""
    now = now or clock.now()
    cutoff = now - timedelta(days=retention_days)
    done = 0
    while True:
        with uow:
            session = session_of(uow)
            ids = list(
                session.scalars(
                    select(Session.id)
                    .where(Session.started_at < cutoff, Session.pseudonymised_at.is_(None))
                    .limit(batch)
                )
            )
            if not ids:
                return done
            for row in session.scalars(select(Session).where(Session.id.in_(ids))):
                row.plate = row.photo = row.photo_content_type = None
                row.lat = row.lon = None
                row.pseudonymised_at = now
            uow.commit()
            done += len(ids)

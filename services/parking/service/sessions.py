"""Sessions from the handheld, made for bad signal: the handheld's UUID is the id (a retry is the same
visit), offline visits come later in a batch with the device's times, and every refusal has a reason."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import ServiceError
from gateway.kernel import clock, counters
from gateway.kernel.settings import setting
from gateway.kernel.uploads import UploadProblem, clean_image, decode_base64
from services.parking import geo, plates
from services.parking.errors import (
    InvalidPhoto,
    SessionAlreadyOpen,
    SessionIdConflict,
    SessionNotFound,
    invalid,
)
from services.parking.models import Device, Session, Zone
from services.parking.service import billing, subscriptions
from services.parking.service.access import require_assigned
from services.parking.service.tariffs import event_multiple, tariff_at
from services.parking.service.zones import zone_by_code

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MAX_SIDE = 1280  # enough to read a plate
BATCH_MAX = 200


def photo_of(raw: str | None) -> tuple[bytes | None, str | None]:
    if not raw:
        return None, None
    try:
        image = clean_image(decode_base64(raw), max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_MAX_SIDE)
    except UploadProblem as problem:
        raise InvalidPhoto(
            f"The photo is not usable ({problem.kind})", errors={"json": {"photo": [problem.kind]}}
        ) from None
    return image.data, image.content_type


def receipt_code(session: Session) -> str:
    """The short code printed on the thermal receipt: the reference and 4 characters only we can make."""
    secret = str(setting("SECRET_KEY")).encode()
    check = hmac.new(secret, f"parking-receipt:{session.id}".encode(), hashlib.sha256).hexdigest()[:4].upper()
    return f"{session.reference}-{check}"


def _reference(uow: UnitOfWork, at: datetime) -> str:
    """P + local date + a serial per day: short enough to read aloud and to fit QRIS tag 62/05."""
    day = clock.local_today(at)
    serial = counters.next_value(uow, "parking", f"session:{day.isoformat()}")
    return f"P{day:%y%m%d}{serial:05d}"


@dataclass(frozen=True)
class Start:
    """A visit as the handheld describes it (online: started_at None, the server's clock counts)."""

    id: str
    zone_code: str
    device_id: str
    plate: str
    vehicle_class: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    photo: str | None = None


def _same_visit(row: Session, start: Start, plate: str, principal: Principal) -> bool:
    return (row.zone_code, row.plate, row.attendant_id, row.device_id) == (
        start.zone_code,
        plate,
        principal.id,
        start.device_id,
    )


def _outside(zone: Zone, lat: float | None, lon: float | None) -> bool | None:
    """Whether the handheld was farther from the zone's polygon (holes, MultiPolygons) than GPS explains."""
    if lat is None or lon is None:
        return None
    return geo.distance_metres(zone.geometry, lat, lon) > geo.OUTSIDE_METRES


def _insert(
    uow: UnitOfWork, principal: Principal, start: Start, *, offline: bool, now: datetime
) -> tuple[Session, bool]:
    """The checks and the row, inside the caller's transaction; (row, created)."""
    session = session_of(uow)
    plate = plates.checked(start.plate)
    at = start.started_at or now
    existing = session.get(Session, start.id)
    if existing is not None:
        if _same_visit(existing, start, plate, principal):
            return existing, False
        raise SessionIdConflict("This session id belongs to another visit", extra={"session_id": start.id})
    zone = zone_by_code(uow, start.zone_code)
    require_assigned(uow, principal, zone.code, at)
    device = session.scalar(
        select(Device).where(Device.device_id == start.device_id, Device.active.is_(True))
    )
    if device is None:
        raise invalid("device_id", "Not a handheld registered to the city", "unknown_device")
    if start.ended_at is not None and start.ended_at < at:
        raise invalid("ended_at", "A visit cannot end before it starts", "end_before_start")
    key = plates.key(plate)
    already = session.scalar(
        select(Session).where(
            Session.zone_code == zone.code, Session.plate_key == key, Session.state == "open"
        )
    )
    if already is not None and start.ended_at is None:
        raise SessionAlreadyOpen(
            f"{plate} has an open session in {zone.code} already",
            extra={"session_id": already.id, "reference": already.reference},
        )
    tariff = tariff_at(uow, start.vehicle_class, "visit", clock.local_today(at))
    if tariff is None:
        raise invalid("vehicle_class", "No tariff for this class on that day", "no_tariff")
    multiple, _event = event_multiple(uow, zone.code, at)
    photo, photo_type = photo_of(start.photo)
    row = Session(
        id=start.id,
        reference=_reference(uow, at),
        zone_code=zone.code,
        attendant_id=principal.id,
        device_id=device.device_id,
        plate=plate,
        plate_key=key,
        vehicle_class=start.vehicle_class,
        tariff_id=tariff.id,
        multiple=multiple,
        amount=tariff.amount * multiple,
        state="ended" if start.ended_at else "open",
        started_at=at,
        ended_at=start.ended_at,
        offline=offline,
        lat=start.lat,
        lon=start.lon,
        outside_zone=_outside(zone, start.lat, start.lon),
        photo=photo,
        photo_content_type=photo_type,
        received_at=now,
    )
    session.add(row)
    session.flush()
    if subscriptions.covering(uow, plate_key=key, zone_code=zone.code, at=at) is not None:
        row.payment_state = "subscription"  # a subscribed plate needs no QRIS
    else:
        billing.open_invoice(uow, row, shown=not offline)
    return row, True


def start_session(uow: UnitOfWork, *, principal: Principal, start: Start) -> tuple[Session, bool]:
    """Start a visit now; (session, created). A retry with the same id returns the first one."""
    now = clock.now()
    with uow:
        try:
            row, created = _insert(uow, principal, start, offline=False, now=now)
            uow.commit()
        except IntegrityError:  # the same retry raced us to the insert: answer with the winner's row
            uow.session.rollback()  # type: ignore[union-attr]
            return _retry_winner(principal, start), False
        return row, created


def _retry_winner(principal: Principal, start: Start) -> Session:
    with UnitOfWork() as uow:
        row = session_of(uow).get(Session, start.id)
        if row is None or not _same_visit(row, start, plates.checked(start.plate), principal):
            raise SessionIdConflict(
                "This session id belongs to another visit", extra={"session_id": start.id}
            )
        return row


def _check_device_time(name: str, moment: datetime, now: datetime) -> None:
    skew = timedelta(seconds=int(setting("PARKING_MAX_CLOCK_SKEW_SECONDS")))
    if moment > now + skew:
        raise invalid(name, "The handheld's clock is ahead of the city's by more than allowed", "clock_skew")
    if moment < now - timedelta(hours=int(setting("PARKING_MAX_OFFLINE_HOURS"))):
        raise invalid(
            name, "Too old to upload: offline visits are accepted for a limited time", "offline_too_old"
        )


def upload_batch(uow_factory: Any, *, principal: Principal, items: list[Start]) -> dict[str, list[dict]]:
    """Visits captured offline, each in its own transaction: good ones are kept, each bad one says why."""
    now = clock.now()
    accepted: list[dict] = []
    rejected: list[dict] = []
    for index, item in enumerate(items):
        try:
            if item.started_at is None:
                raise invalid(
                    "started_at", "Offline visits carry the handheld's start time", "validation_failed"
                )
            _check_device_time("started_at", item.started_at, now)
            if item.ended_at is not None:
                _check_device_time("ended_at", item.ended_at, now)
            with uow_factory() as uow:
                row, created = _insert(uow, principal, item, offline=True, now=now)
                uow.commit()
                accepted.append(
                    {"index": index, "id": row.id, "reference": row.reference, "created": created}
                )
        except ServiceError as error:
            rejected.append({"index": index, "id": item.id, "reason": error.reason, "message": error.message})
        except IntegrityError:
            rejected.append(
                {
                    "index": index,
                    "id": item.id,
                    "reason": "session_id_conflict",
                    "message": "Sent twice at once",
                }
            )
    return {"accepted": accepted, "rejected": rejected}


def end_session(
    uow: UnitOfWork, *, principal: Principal, session_id: str, ended_at: datetime | None = None
) -> Session:
    """End a visit (now, or at the handheld's time for one ended offline); ending it again changes nothing."""
    now = clock.now()
    with uow:
        row = session_of(uow).get(Session, session_id, with_for_update=True)
        if row is None or row.attendant_id != principal.id:
            raise SessionNotFound("No such session of yours")
        if row.state == "ended":
            return row
        at = ended_at or now
        if ended_at is not None:
            _check_device_time("ended_at", ended_at, now)
        if at < row.started_at:
            raise invalid("ended_at", "A visit cannot end before it starts", "end_before_start")
        row.state, row.ended_at = "ended", at
        uow.commit()
        return row


def get_by_id(uow: UnitOfWork, session_id: str) -> Session:
    row = session_of(uow).get(Session, session_id)
    if row is None:
        raise SessionNotFound("No such session")
    return row

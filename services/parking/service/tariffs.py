"""Tariffs as data: versions per vehicle class and kind (visit, monthly), and event multiples."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.parking.errors import TariffVersionExists, ZoneNotFound, invalid
from services.parking.models import VEHICLE_CLASSES, EventRate, Tariff, Zone, ZoneEvent
from services.parking.service.access import require_manager

PERDA = "Perda Kota Pematangsiantar No. 1 Tahun 2024"
PERDA_FROM = date(2024, 1, 1)
# Perda 1/2024: per visit and per month, for the same classes in the same order.
PERDA_VISIT = dict(zip(VEHICLE_CLASSES, (2_000, 3_000, 4_000, 6_000, 8_000), strict=True))
PERDA_MONTHLY = dict(zip(VEHICLE_CLASSES, (50_000, 100_000, 150_000, 200_000, 250_000), strict=True))
EVENT_RATES = (
    ("commercial", "Keramaian komersial", 3),
    ("social", "Keramaian sosial", 1),
    ("private", "Acara pribadi", 2),
)


def seed_reference(uow: UnitOfWork) -> None:
    """The event multiples and the Perda 1/2024 tariffs, unless a version from that date exists."""
    session = session_of(uow)
    have_rates = set(session.scalars(select(EventRate.kind)))
    for kind, name, multiple in EVENT_RATES:
        if kind not in have_rates:
            session.add(EventRate(kind=kind, name=name, multiple=multiple))
    have = {(t.vehicle_class, t.kind) for t in session.scalars(select(Tariff))}
    for kind, table in (("visit", PERDA_VISIT), ("monthly", PERDA_MONTHLY)):
        for vehicle_class, amount in table.items():
            if (vehicle_class, kind) not in have:
                session.add(
                    Tariff(
                        vehicle_class=vehicle_class,
                        kind=kind,
                        amount=amount,
                        effective_from=PERDA_FROM,
                        legal_basis=PERDA,
                    )
                )


def tariff_at(uow: UnitOfWork, vehicle_class: str, kind: str, day: date) -> Tariff | None:
    """The version in force on a day."""
    stmt = (
        select(Tariff)
        .where(
            Tariff.vehicle_class == vehicle_class,
            Tariff.kind == kind,
            Tariff.effective_from <= day,
            or_(Tariff.effective_to.is_(None), Tariff.effective_to > day),
        )
        .order_by(Tariff.effective_from.desc())
        .limit(1)
    )
    return session_of(uow).scalar(stmt)


def tariffs_in_force(uow: UnitOfWork, day: date) -> dict[str, dict[str, int]]:
    """{"visit": {class: amount}, "monthly": {...}} on a day."""
    out: dict[str, dict[str, int]] = {"visit": {}, "monthly": {}}
    for kind in out:
        for vehicle_class in VEHICLE_CLASSES:
            tariff = tariff_at(uow, vehicle_class, kind, day)
            if tariff is not None:
                out[kind][vehicle_class] = tariff.amount
    return out


def event_multiple(uow: UnitOfWork, zone_code: str, at: datetime) -> tuple[int, ZoneEvent | None]:
    """The multiple for a visit started at `at` in a zone: the highest of the events then, else 1."""
    stmt = (
        select(ZoneEvent, EventRate.multiple)
        .join(EventRate, EventRate.kind == ZoneEvent.kind)
        .where(ZoneEvent.zone_code == zone_code, ZoneEvent.starts_at <= at, ZoneEvent.ends_at > at)
        .order_by(EventRate.multiple.desc())
        .limit(1)
    )
    row = session_of(uow).execute(stmt).first()
    return (row[1], row[0]) if row else (1, None)


def list_tariffs(uow: UnitOfWork) -> list[Tariff]:
    """Every version, newest first per class (the history is public: it is the law)."""
    with uow:
        stmt = select(Tariff).order_by(Tariff.kind, Tariff.vehicle_class, Tariff.effective_from.desc())
        return list(session_of(uow).scalars(stmt))


def add_tariff_version(
    uow: UnitOfWork,
    *,
    principal: Principal,
    vehicle_class: str,
    kind: str,
    amount: int,
    effective_from: date,
    legal_basis: str,
) -> Tariff:
    """A new version from a future date; the version in force then ends the day before. Past days stay."""
    require_manager(principal)
    with uow:
        session = session_of(uow)
        if effective_from <= clock.local_today():
            raise invalid("effective_from", "A new tariff starts after today", "tariff_backdated")
        versions = list(
            session.scalars(
                select(Tariff)
                .where(Tariff.vehicle_class == vehicle_class, Tariff.kind == kind)
                .order_by(Tariff.effective_from)
                .with_for_update()
            )
        )
        if any(v.effective_from >= effective_from for v in versions):
            raise TariffVersionExists(
                "A version from this date or later exists already",
                extra={"effective_from": str(effective_from)},
            )
        if versions:
            versions[-1].effective_to = effective_from
        tariff = Tariff(
            vehicle_class=vehicle_class,
            kind=kind,
            amount=amount,
            effective_from=effective_from,
            legal_basis=legal_basis,
        )
        session.add(tariff)
        uow.commit()
        return tariff


def add_zone_event(
    uow: UnitOfWork,
    *,
    principal: Principal,
    zone_code: str,
    kind: str,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
) -> ZoneEvent:
    """Declare an event at a zone: visits started during it are charged the kind's multiple."""
    require_manager(principal)
    if ends_at <= starts_at:
        raise invalid("ends_at", "An event ends after it starts", "invalid_period")
    with uow:
        session = session_of(uow)
        if session.scalar(select(Zone.id).where(Zone.code == zone_code)) is None:
            raise ZoneNotFound(f"No zone {zone_code}")
        if session.get(EventRate, kind) is None:
            raise invalid("kind", "One of commercial, social, private", "unknown_event_kind")
        event = ZoneEvent(
            zone_code=zone_code,
            kind=kind,
            name=name,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=principal.id,
        )
        session.add(event)
        uow.commit()
        return event


def event_rates(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        rates = session_of(uow).scalars(select(EventRate).order_by(EventRate.multiple.desc()))
        return [{"kind": r.kind, "name": r.name, "multiple": r.multiple} for r in rates]

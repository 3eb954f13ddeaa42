"""Langganan: a monthly subscription for a registered plate and class, city-wide or for chosen zones,
paid through payments; a subscribed plate's visits need no QRIS; a reminder before it ends."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from gateway import notify
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Conflict
from gateway.kernel import clock
from services.parking import plates
from services.parking.errors import ZoneNotFound, invalid
from services.parking.models import Plate, Subscription, Zone
from services.parking.service.tariffs import tariff_at
from services.payments import api as payments

REMIND_DAYS = 3


def _month(text: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{text}-01")
    days = calendar.monthrange(first.year, first.month)[1]
    return first, first + timedelta(days=days)


def buy(
    uow: UnitOfWork, *, principal: Principal, plate: str, vehicle_class: str, month: str, zones: list[str]
) -> Subscription:
    """A subscription for a calendar month (this one or later) of one of my plates; pending until paid."""
    normal = plates.checked(plate)
    starts_on, ends_on = _month(month)
    if ends_on <= clock.local_today():
        raise invalid("month", "Choose this month or a later one", "month_past")
    with uow:
        session = session_of(uow)
        mine = session.scalar(
            select(Plate).where(Plate.plate == normal, Plate.resident_id == principal.resident_id)
        )
        if mine is None:
            raise invalid("plate", "Register the plate as yours first", "plate_not_registered")
        known = set(session.scalars(select(Zone.code).where(Zone.code.in_(zones), Zone.active.is_(True))))
        if set(zones) - known:
            raise ZoneNotFound(f"No zone {', '.join(sorted(set(zones) - known))}")
        clash = session.scalar(
            select(Subscription.id).where(
                Subscription.plate_key == mine.plate_key,
                Subscription.starts_on == starts_on,
                Subscription.state.in_(("pending", "active")),
            )
        )
        if clash is not None:
            raise Conflict("This plate has a subscription for that month", reason="subscription_exists")
        tariff = tariff_at(uow, vehicle_class, "monthly", starts_on)
        if tariff is None:
            raise invalid("vehicle_class", "No monthly tariff for this class", "no_tariff")
        row = Subscription(
            resident_id=principal.resident_id,
            plate=normal,
            plate_key=mine.plate_key,
            vehicle_class=vehicle_class,
            zone_codes=sorted(set(zones)),
            starts_on=starts_on,
            ends_on=ends_on,
            amount=tariff.amount,
            state="pending",
        )
        session.add(row)
        session.flush()
        invoice = payments.create_invoice(
            uow,
            purpose="parking.retribusi",
            purpose_ref=row.id,
            amount=row.amount,
            payer=payments.Payer(resident_id=principal.resident_id),
            description=f"Langganan parkir {month} ({'kota' if not zones else ', '.join(row.zone_codes)})",
            expires_at=None,
            channel_hint="qris",
        )
        row.invoice_id, row.billing_code, row.qris = invoice.id, invoice.billing_code, invoice.qris
        uow.commit()
        return row


def mine(uow: UnitOfWork, *, principal: Principal) -> list[Subscription]:
    with uow:
        stmt = (
            select(Subscription)
            .where(Subscription.resident_id == principal.resident_id)
            .order_by(Subscription.starts_on.desc())
        )
        return list(session_of(uow).scalars(stmt))


def covering(uow: UnitOfWork, *, plate_key: str, zone_code: str, at: datetime) -> Subscription | None:
    """The active subscription that covers a plate in a zone at a moment, if any."""
    day = clock.local_today(at)
    stmt = select(Subscription).where(
        Subscription.plate_key == plate_key,
        Subscription.state == "active",
        Subscription.starts_on <= day,
        Subscription.ends_on > day,
    )
    for row in session_of(uow).scalars(stmt):
        if not row.zone_codes or zone_code in row.zone_codes:
            return row
    return None


def remind_expiring(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Tell subscribers in their app a few days before the month ends (once per subscription)."""
    today = clock.local_today(now)
    sent = 0
    with uow:
        stmt = select(Subscription).where(
            Subscription.state == "active",
            Subscription.reminded_at.is_(None),
            Subscription.ends_on > today,
            Subscription.ends_on <= today + timedelta(days=REMIND_DAYS),
        )
        for row in session_of(uow).scalars(stmt):
            last = row.ends_on - timedelta(days=1)
            notify.inbox(
                uow,
                resident_id=row.resident_id,
                kind="parking_subscription_expiring",
                title="Langganan parkir segera berakhir",
                body=f"Langganan parkir {row.plate} berakhir {last:%d-%m-%Y}. Perpanjang di aplikasi.",
                dedupe_key=f"parking:subscription:{row.id}:expiring",
                ref=row.id,
            )
            row.reminded_at = clock.now()
            sent += 1
        uow.commit()
    return sent


def view(row: Subscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "plate": row.plate,
        "vehicle_class": row.vehicle_class,
        "zones": row.zone_codes,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on - timedelta(days=1),
        "amount": row.amount,
        "state": row.state,
        "billing_code": row.billing_code,
        "qris": row.qris if row.state == "pending" else None,
    }

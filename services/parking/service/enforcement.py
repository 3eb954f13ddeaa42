"""The enforcement check for Dishub officers (Parkkihubi's check_parking): plate + place + time →
allowed or not, until when, and why. The zone is found from the officer's location when not named."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from gateway.kernel.settings import setting
from services.parking import plates
from services.parking.errors import invalid
from services.parking.models import Session
from services.parking.service import subscriptions
from services.parking.service.access import owner_of, require_dishub
from services.parking.service.zones import zone_for

# Why a visit is allowed: the strongest first.
COVERED = {"paid": "paid_session", "subscription": "subscription", "unpaid": "session_open"}


def _verdict(row: Session | None, at: datetime, grace: timedelta) -> tuple[bool, str, datetime | None]:
    if row is None:
        return False, "no_session", None
    if row.ended_at is None or row.ended_at >= at:
        return True, COVERED.get(row.payment_state, "session_open"), row.ended_at
    if row.ended_at + grace >= at:
        return True, "grace_period", row.ended_at + grace
    return False, "session_expired", row.ended_at + grace


def check(
    uow: UnitOfWork,
    *,
    principal: Principal,
    plate: str,
    zone_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Allowed when a visit covers the moment (open, or ended within the grace period); the answer
    names the zone, the visit's reference and until when. A check of a registered owner's plate is
    in her access log."""
    require_dishub(principal)
    normal = plates.checked(plate)
    now = clock.now()
    at = at or now
    if at > now + timedelta(seconds=int(setting("PARKING_MAX_CLOCK_SKEW_SECONDS"))):
        raise invalid("at", "A check is about now or the past", "clock_skew")
    grace = timedelta(minutes=int(setting("PARKING_GRACE_MINUTES")))
    with uow:
        zone = zone_for(uow, zone_code, lat, lon)
        key = plates.key(normal)
        stmt = (
            select(Session)
            .where(
                Session.plate_key == key,
                Session.zone_code == zone.code,
                Session.started_at <= at,
            )
            .order_by(Session.ended_at.is_(None).desc(), Session.started_at.desc())
            .limit(1)
        )
        row = session_of(uow).scalar(stmt)
        allowed, reason, until = _verdict(row, at, grace)
        subscription = subscriptions.covering(uow, plate_key=key, zone_code=zone.code, at=at)
        if subscription is not None and reason not in ("paid_session", "subscription"):
            allowed, reason = True, "subscription"
            until = datetime.combine(subscription.ends_on, time(), clock.local_tz())
        elsewhere = None
        if not allowed:
            elsewhere = session_of(uow).scalar(
                select(Session.zone_code).where(
                    Session.plate_key == key, Session.state == "open", Session.zone_code != zone.code
                )
            )
            if elsewhere:
                reason = "session_in_other_zone"
        owner = owner_of(uow, key)
        if owner is not None:  # checking a registered owner's plate reads her data, found or not
            audit.record(
                uow,
                actor=principal,
                resident_id=owner,
                action="check:parking_enforcement",
                resource=f"zone:{zone.code}",
            )
        uow.commit()
        return {
            "plate": normal,
            "zone_code": zone.code,
            "zone_name": zone.name,
            "at": at,
            "allowed": allowed,
            "reason": reason,
            "until": until,
            "grace_minutes": int(grace.total_seconds() // 60),
            "session": None
            if row is None
            else {
                "reference": row.reference,
                "started_at": row.started_at,
                "ended_at": row.ended_at,
                "payment_state": row.payment_state,
            },
            "other_zone": elsewhere,
        }

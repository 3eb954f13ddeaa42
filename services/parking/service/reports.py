""" "Jukir minta tunai": a citizen reports an attendant who demanded cash; the report names the
attendants on duty there then and becomes a complaint for Dishub through an event."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from gateway import events
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import NotFound
from gateway.identity import Staff
from gateway.kernel import clock
from gateway.kernel.settings import setting
from services.parking import plates
from services.parking.errors import invalid
from services.parking.events import CASH_DEMAND_REPORTED
from services.parking.models import CashReport, Session, Zone
from services.parking.service.access import is_dishub, on_duty
from services.parking.service.sessions import photo_of
from services.parking.service.zones import zone_for

REPORT_WINDOW = timedelta(days=30)


def _centre(zone: Zone) -> tuple[float, float]:
    return (zone.min_lat + zone.max_lat) / 2, (zone.min_lon + zone.max_lon) / 2


def _description(
    zone: Zone, at: datetime, plate: str, names: list[str], reference: str | None, text: str
) -> str:
    local = clock.local(at)
    lines = [
        f"Juru parkir meminta pembayaran tunai di titik parkir {zone.code} ({zone.name}, {zone.road}) "
        f"pada {local:%d-%m-%Y %H:%M} WIB, kendaraan {plate}.",
        f"Juru parkir bertugas saat itu: {', '.join(names) if names else 'tidak ada yang ditugaskan'}.",
    ]
    if reference:
        lines.append(f"Sesi parkir tercatat: {reference}.")
    if text:
        lines.append(f"Keterangan pelapor: {text}")
    return "\n".join(lines)


def report_cash_demand(
    uow: UnitOfWork,
    *,
    principal: Principal,
    plate: str,
    occurred_at: datetime,
    zone_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    description: str = "",
    photo: str | None = None,
) -> dict[str, Any]:
    """Record the report and publish it; complaints files it (confidential, for Dishub) after commit."""
    normal = plates.checked(plate)
    now = clock.now()
    if occurred_at > now + timedelta(seconds=int(setting("PARKING_MAX_CLOCK_SKEW_SECONDS"))):
        raise invalid("occurred_at", "That moment has not happened yet", "clock_skew")
    if occurred_at < now - REPORT_WINDOW:
        raise invalid("occurred_at", "Reports are taken within 30 days", "report_too_old")
    image, image_type = photo_of(photo)
    with uow:
        session = session_of(uow)
        zone = zone_for(uow, zone_code, lat, lon)
        if lat is None or lon is None:
            lat, lon = _centre(zone)
        attendants = on_duty(uow, zone.code, occurred_at)
        names = [m.full_name for m in session.scalars(select(Staff).where(Staff.id.in_(attendants)))]
        visit = session.scalar(
            select(Session)
            .where(
                Session.zone_code == zone.code,
                Session.plate_key == plates.key(normal),
                Session.started_at <= occurred_at + timedelta(minutes=30),
                Session.started_at >= occurred_at - timedelta(hours=12),
            )
            .order_by(Session.started_at.desc())
            .limit(1)
        )
        text = (description or "").strip()[:1000]
        report = CashReport(
            resident_id=principal.resident_id,
            zone_code=zone.code,
            occurred_at=occurred_at,
            plate=normal,
            description=text,
            lat=lat,
            lon=lon,
            attendant_ids=attendants,
            session_reference=visit.reference if visit else None,
            photo=image,
            photo_content_type=image_type,
            created_at=now,
        )
        session.add(report)
        session.flush()
        events.publish(
            uow,
            CASH_DEMAND_REPORTED,
            report_id=report.id,
            resident_id=principal.resident_id,
            description=_description(zone, occurred_at, normal, names, report.session_reference, text)
            + f"\nLaporan parkir {report.id}.",
            lat=lat,
            lon=lon,
        )
        uow.commit()
        return view(report)


def view(report: CashReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "zone_code": report.zone_code,
        "occurred_at": report.occurred_at,
        "plate": report.plate,
        "description": report.description,
        "attendant_ids": report.attendant_ids,
        "session_reference": report.session_reference,
        "has_photo": report.photo is not None,
        "created_at": report.created_at,
    }


def list_reports(
    uow: UnitOfWork, *, principal: Principal, zone_code: str | None = None
) -> list[dict[str, Any]]:
    """Citizens: their own reports; Dishub: every report (with the attendants named)."""
    with uow:
        stmt = select(CashReport).order_by(CashReport.occurred_at.desc()).limit(500)
        if principal.is_citizen:
            stmt = stmt.where(CashReport.resident_id == principal.resident_id)
        elif not is_dishub(principal):
            raise NotFound("No reports for this caller", reason="report_not_found")
        if zone_code:
            stmt = stmt.where(CashReport.zone_code == zone_code)
        return [view(r) for r in session_of(uow).scalars(stmt)]


def report_photo(uow: UnitOfWork, *, principal: Principal, report_id: str) -> tuple[bytes, str]:
    with uow:
        report = session_of(uow).get(CashReport, report_id)
        mine = principal.is_citizen and report is not None and report.resident_id == principal.resident_id
        if report is None or report.photo is None or not (mine or is_dishub(principal)):
            raise NotFound("No such report photo", reason="report_not_found")
        return report.photo, report.photo_content_type or "image/jpeg"

"""The Open311 feed's queries (used by services/complaints/open311/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from gateway.db import UnitOfWork, session_of
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
)
from services.complaints.service.categories import normalize_code
from services.complaints.service.reading import _public_filters

OPEN311_UPDATE_KINDS = ("transition", "note", "reroute", "overdue")


OPEN311_COLUMNS = (
    Complaint.id,
    Complaint.number,
    Complaint.category_code,
    Complaint.opd_code,
    Complaint.state,
    Complaint.overdue,
    Complaint.description,
    Complaint.public_answer,
    Complaint.address,
    Complaint.kelurahan_code,
    Complaint.lat,
    Complaint.lon,
)
W3C_SQL = {
    # ISO 8601 at UTC+07:00 (WIB, as schemas.w3c writes it), formatted by the database: a 1,000-row
    # page then carries strings, not datetimes for Python to convert and format one by one.
    "postgresql": lambda column: func.to_char(
        func.timezone(text("INTERVAL '+07:00'"), column), 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"'
    ),
    "sqlite": lambda column: func.strftime("%Y-%m-%dT%H:%M:%S+07:00", column, "+7 hours"),
}


def _w3c_columns(dialect: str) -> tuple[Any, ...]:
    """The feed's timestamps as w3c() strings (or as stored, on a database without a formatter here)."""
    moments = (Complaint.created_at, Complaint.updated_at, Complaint.answer_due_at)
    formatter = W3C_SQL.get(dialect)
    return tuple(formatter(m).label(m.key) if formatter else m for m in moments)


def open311_page(
    uow: UnitOfWork,
    *,
    numbers_in: list[str] | None = None,
    category_codes: list[str] | None = None,
    states: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[tuple[Any, str | None]]:
    """A page of non-confidential complaints, newest first, each with the id of its first photo.

    Rows carry only the public columns (OPEN311_COLUMNS, attribute access like a Complaint): a
    1000-row page loads several times faster than full entities. No total (GeoReport v2 has none,
    and counting 90 days of a city's complaints is the slow part of a public feed); one query
    whatever the page size: the rows (created_at index) with their first photo (photo index).
    """
    with uow:
        conds = _public_filters(numbers_in, category_codes, states, start, end)
        first_photo = (
            select(ComplaintPhoto.id)
            .where(ComplaintPhoto.complaint_id == Complaint.id)
            .order_by(ComplaintPhoto.position, ComplaintPhoto.id)
            .limit(1)
            .scalar_subquery()
        )
        # Core rows (attribute access like a Complaint), without the ORM's per-row loading machinery.
        dialect = session_of(uow).get_bind().dialect.name
        rows = (
            session_of(uow)
            .connection()
            .execute(
                select(*OPEN311_COLUMNS, *_w3c_columns(dialect), first_photo)
                .where(*conds)
                .order_by(Complaint.created_at.desc(), Complaint.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        return [(row, row[-1]) for row in rows]


def agency_names(uow: UnitOfWork) -> dict[str, str]:
    """OPD code → name, in one query (the Open311 agency_responsible and service group)."""
    from gateway.identity import Opd

    with uow:
        return {code: name for code, name in session_of(uow).execute(select(Opd.code, Opd.name))}


def open311_retry_of(
    uow: UnitOfWork,
    *,
    client_id: str,
    category_code: str,
    description: str,
    lat: float | None,
    lon: float | None,
    kelurahan_code: str | None,
    address: str | None,
    since: datetime,
) -> Complaint | None:
    """The complaint this Open311 client already filed with exactly this content since `since`.

    Open311 clients send no Idempotency-Key, so a POST retried after a lost response is recognised
    by its content and answered with the first complaint's number instead of filing a second one.
    """
    with uow:
        candidates = session_of(uow).scalars(
            select(Complaint)
            .where(
                Complaint.category_code == normalize_code(category_code),
                Complaint.created_at >= since,
                Complaint.filed_by_client_id == client_id,
                Complaint.description == (description or "").strip(),
            )
            .order_by(Complaint.created_at)
            .limit(20)
        )
        address = (address or "").strip()[:300] or None
        for c in candidates:
            if (c.lat, c.lon, c.kelurahan_code, c.address) == (lat, lon, kelurahan_code, address):
                return c
        return None


def open311_updates(
    uow: UnitOfWork,
    *,
    numbers_in: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[tuple[ComplaintEvent, str]]:
    """Public status changes and public notes of non-confidential complaints, oldest first, with the
    complaint number (the servicerequestupdates feed); internal notes and escalations never appear."""
    with uow:
        conds = [
            ComplaintEvent.public.is_(True),
            ComplaintEvent.kind.in_(OPEN311_UPDATE_KINDS),
            Complaint.privacy != "confidential",
        ]
        if numbers_in:
            conds.append(Complaint.number.in_(numbers_in))
        if start:
            conds.append(ComplaintEvent.created_at >= start)
        if end:
            conds.append(ComplaintEvent.created_at <= end)
        rows = session_of(uow).execute(
            select(ComplaintEvent, Complaint.number)
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
            .where(*conds)
            .order_by(ComplaintEvent.created_at, ComplaintEvent.complaint_id, ComplaintEvent.seq)
            .limit(limit)
            .offset(offset)
        )
        return [(event, number) for event, number in rows]

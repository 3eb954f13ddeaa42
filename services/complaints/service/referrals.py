"""Complaints other services refer to us through events (no import between services): filed once per
source record, as the citizen who reported it, routed like any complaint of that category."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gateway.auth import Principal
from gateway.db import UnitOfWork, insert_once, session_of
from gateway.identity import CitizenAccount
from services.complaints.models import ComplaintReferral
from services.complaints.service.common import _now
from services.complaints.service.intake import _file


def file_referral(
    uow: UnitOfWork,
    *,
    source: str,
    source_id: str,
    resident_id: str,
    category_code: str,
    description: str,
    lat: float,
    lon: float,
    privacy: str = "confidential",
    now: datetime | None = None,
) -> str | None:
    """File the complaint a citizen made in another service's screen; its number (None if filed before)."""
    now = _now(now)
    with uow:
        if not insert_once(
            uow, ComplaintReferral, {"source": source, "source_id": source_id, "created_at": now}
        ):
            return None
        account_id = session_of(uow).scalar(
            select(CitizenAccount.id).where(CitizenAccount.resident_id == resident_id)
        )
        reporter = Principal(
            kind="citizen", id=account_id or resident_id, role="citizen", resident_id=resident_id
        )
        complaint = _file(
            uow,
            principal=reporter,
            now=now,
            category_code=category_code,
            description=description,
            lat=lat,
            lon=lon,
            privacy=privacy,
        )
        referral = session_of(uow).scalar(
            select(ComplaintReferral).where(
                ComplaintReferral.source == source, ComplaintReferral.source_id == source_id
            )
        )
        assert referral is not None
        referral.complaint_id = complaint.id
        uow.commit()
        return complaint.number

"""Following a complaint: citizens who back it (and an SMS sender who reports the same thing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from gateway.auth import Principal
from gateway.db import UnitOfWork, insert_once, session_of
from gateway.errors import Conflict, Forbidden, NotFound
from services.complaints.models import (
    Complaint,
    ComplaintFollower,
)
from services.complaints.service.access import _actor, access_level
from services.complaints.service.common import _now
from services.complaints.service.history import _event
from services.complaints.service.reading import _load


def _follow(
    uow: UnitOfWork, c: Complaint, *, resident_id: str | None, phone: str | None, now: datetime
) -> bool:
    """Add a follower once; returns whether it is new. Supporters are counted atomically in SQL."""
    cond = ComplaintFollower.resident_id == resident_id if resident_id else ComplaintFollower.phone == phone
    if session_of(uow).scalar(
        select(ComplaintFollower.id).where(ComplaintFollower.complaint_id == c.id, cond)
    ):
        return False
    if resident_id and resident_id == c.reporter_resident_id:
        return False
    if phone and not resident_id and phone == c.reporter_phone:
        return False
    values = {"complaint_id": c.id, "resident_id": resident_id, "phone": phone, "created_at": now}
    if not insert_once(uow, ComplaintFollower, values):
        return False
    session_of(uow).execute(
        update(Complaint).where(Complaint.id == c.id).values(supporters=Complaint.supporters + 1)
    )
    session_of(uow).refresh(c)
    return True


def follow(
    uow: UnitOfWork, *, principal: Principal, number: str, now: datetime | None = None
) -> dict[str, Any]:
    """ "Me too": the citizen backs and follows an open complaint (idempotent)."""
    now = _now(now)
    with uow:
        c = _load(uow, number)
        actor = _actor(uow, principal)
        rid = actor.resident_id()
        if rid is None:
            raise Forbidden("This endpoint is for citizens", reason="citizen_required")
        if access_level(actor, c) is None:
            raise NotFound("Complaint not found", reason="complaint_not_found")
        if c.reporter_resident_id == rid:
            raise Conflict("You filed this complaint", reason="own_complaint")
        if not c.is_open:
            raise Conflict("Only open complaints can be backed", reason="complaint_closed")
        created = _follow(uow, c, resident_id=rid, phone=None, now=now)
        if created:
            _event(uow, c, principal, "support", c.state, c.state, now=now, public=True, note=None)
        uow.commit()
        return {"number": c.number, "supporters": c.supporters, "following": True}

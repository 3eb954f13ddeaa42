"""The citizen after the answer: confirm, reopen within the window, rate; following a complaint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Conflict, Forbidden, NotFound
from services.complaints.models import (
    Complaint,
    ComplaintRating,
)
from services.complaints.service.access import Actor, _actor, _is_reporter, access_level
from services.complaints.service.common import _now, invalid_field
from services.complaints.service.history import _save, _touch
from services.complaints.service.reading import _load, view
from services.complaints.service.workflow import REPORTER, _reopen, _require, _transition


def _reporter_complaint(
    uow: UnitOfWork, principal: Principal, number: str, *, lock: bool = False
) -> tuple[Complaint, Actor]:
    c = _load(uow, number, lock=lock)
    actor = _actor(uow, principal)
    level = access_level(actor, c)
    if level is None:
        raise NotFound("Complaint not found", reason="complaint_not_found")
    if not _is_reporter(actor, c):
        raise Forbidden("Only the reporter may do this", reason="reporter_only")
    return c, actor


def confirm(
    uow: UnitOfWork, *, principal: Principal, number: str, now: datetime | None = None
) -> dict[str, Any]:
    """The reporter confirms the answer: resolved → closed."""
    now = _now(now)
    with uow:
        c, actor = _reporter_complaint(uow, principal, number, lock=True)
        _require(c, "confirm", REPORTER)
        c.closed_at = now
        _transition(uow, c, actor, "confirm", now=now, note="Dikonfirmasi oleh pelapor", role=REPORTER)
        _touch(c, now)
        _save(uow)
        data = view(uow, c, level="reporter")
        uow.commit()
        return data


def reopen(
    uow: UnitOfWork,
    *,
    principal: Principal,
    number: str,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The reporter reopens within 10 working days of the answer: back to the OPD with a new deadline."""
    now = _now(now)
    with uow:
        c, actor = _reporter_complaint(uow, principal, number, lock=True)
        _reopen(
            uow, c, actor, now=now, note=(note or "").strip() or "Dibuka kembali oleh pelapor", role=REPORTER
        )
        _touch(c, now)
        _save(uow)
        data = view(uow, c, level="reporter")
        uow.commit()
        return data


def rate(
    uow: UnitOfWork,
    *,
    principal: Principal,
    number: str,
    score: int,
    fixed: bool,
    comment: str | None = None,
    now: datetime | None = None,
) -> ComplaintRating:
    """The reporter rates the answer once (1–5, fixed yes/no), only after it was resolved.

    "Fixed: yes" on a resolved complaint also confirms it (→ closed).
    """
    now = _now(now)
    if not 1 <= score <= 5:
        raise invalid_field("score", "1 to 5")
    with uow:
        c, actor = _reporter_complaint(uow, principal, number, lock=True)
        _require(c, "rate", REPORTER)
        if session_of(uow).scalar(select(ComplaintRating.id).where(ComplaintRating.complaint_id == c.id)):
            raise Conflict("Already rated", reason="already_rated")
        rating = ComplaintRating(
            complaint_id=c.id,
            score=score,
            fixed=fixed,
            comment=(comment or "").strip()[:1000] or None,
            created_at=now,
        )
        session_of(uow).add(rating)
        if fixed and c.state == "resolved":
            c.closed_at = now
            _transition(uow, c, actor, "confirm", now=now, note="Dikonfirmasi oleh pelapor", role=REPORTER)
        _touch(c, now)
        _save(uow)
        try:
            uow.commit()
        except IntegrityError as exc:
            raise Conflict("Already rated", reason="already_rated") from exc
        return rating

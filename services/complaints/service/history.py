"""The complaint's history rows and the notifications they trigger; saving under optimistic locking."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from gateway import outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Conflict
from services.complaints import jobs  # jobs: enqueued by reference (imports us back)
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
)


def _event(
    uow: UnitOfWork,
    complaint: Complaint,
    principal: Principal | None,
    kind: str,
    from_state: str | None,
    to_state: str | None,
    *,
    now: datetime,
    note: str | None = None,
    public: bool = True,
    from_opd: str | None = None,
    to_opd: str | None = None,
    notify: bool = False,
    actor_kind: str | None = None,
    first: bool = False,
) -> ComplaintEvent:
    """Record one history row; public status changes also notify the reporter and followers.

    `first`: the complaint was inserted in this transaction, so no other writer can see it yet and its
    history starts at 1 (no lock, no look-up: two statements fewer per filing)."""
    seq = 1 if first else _next_seq(uow, complaint)
    event = ComplaintEvent(
        complaint_id=complaint.id,
        seq=seq,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        from_opd=from_opd,
        to_opd=to_opd,
        note=note,
        public=public,
        actor_kind=actor_kind or (principal.kind if principal else "system"),
        actor_id=principal.id if principal else None,
        actor_role=principal.role if principal else None,
        actor_opd=principal.opd if principal else None,
        created_at=now,
    )
    session_of(uow).add(event)
    session_of(uow).flush()
    if notify and public:
        outbox.enqueue(uow, jobs.notify_event, event_id=event.id)
    return event


def _next_seq(uow: UnitOfWork, complaint: Complaint) -> int:
    """History rows are numbered per complaint, so writers of one complaint take turns: the row lock
    (PostgreSQL) or the database write lock (SQLite, via a no-op UPDATE) comes before the last number
    is read."""
    table = Complaint.__table__
    if uow.is_postgres:
        session_of(uow).execute(select(table.c.id).where(table.c.id == complaint.id).with_for_update())
    else:
        noop = table.update().where(table.c.id == complaint.id).values(updated_at=table.c.updated_at)
        session_of(uow).execute(noop)
    last = select(func.max(ComplaintEvent.seq)).where(ComplaintEvent.complaint_id == complaint.id)
    return (session_of(uow).scalar(last) or 0) + 1


def _save(uow: UnitOfWork) -> None:
    """Flush, turning a lost optimistic-lock race into a 409 the client can retry."""
    try:
        uow.flush()
    except StaleDataError as exc:
        raise Conflict("The complaint changed meanwhile; try again", reason="concurrent_update") from exc


def _touch(c: Complaint, now: datetime) -> None:
    """Mark a change; the UPDATE bumps `version` (the mapper's version_id_col) and checks the old one."""
    c.updated_at = now

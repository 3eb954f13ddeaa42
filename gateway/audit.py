"""Who read or changed whose personal data, and why — shown to the citizen in their access log."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from gateway.auth import Principal
from gateway.db import Base, UnitOfWork, id_column, utcnow

# Residents whose access was already recorded in this request (so the gateway's generic
# on-behalf audit row is not written a second time). Reset at the start of each request.
_recorded: ContextVar[frozenset[str]] = ContextVar("audit_recorded", default=frozenset())


def start_request() -> None:
    _recorded.set(frozenset())


def recorded_for(resident_id: str) -> bool:
    return resident_id in _recorded.get()


class AccessLog(Base):
    __tablename__ = "audit_access"

    id: Mapped[str] = id_column()
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(12))
    actor_opd: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))  # e.g. "read:profile", "file:complaint"
    resource: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


def record(
    uow: UnitOfWork,
    *,
    actor: Principal,
    resident_id: str,
    action: str,
    resource: str | None = None,
    reason: str | None = None,
) -> None:
    """Write an audit row in the caller's transaction (so it exists iff the access happened).

    Citizens reading their own data are not audited; staff and machine access always is.
    """
    if actor.is_citizen and actor.resident_id == resident_id:
        return
    assert uow.session is not None
    _recorded.set(_recorded.get() | {resident_id})
    uow.session.add(
        AccessLog(
            resident_id=resident_id,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_role=actor.role,
            actor_opd=actor.opd,
            action=action,
            resource=resource,
            reason=reason or actor.on_behalf_reason,
        )
    )


def for_resident(uow: UnitOfWork, resident_id: str, *, limit: int = 100, offset: int = 0) -> list[AccessLog]:
    assert uow.session is not None
    stmt = (
        select(AccessLog)
        .where(AccessLog.resident_id == resident_id)
        .order_by(AccessLog.at.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(uow.session.scalars(stmt))

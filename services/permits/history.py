"""Every step of an application is one history row and, for applications OSS knows, one status push."""

from __future__ import annotations

from datetime import datetime

from gateway.auth import Principal
from gateway.db import UnitOfWork
from services.permits import outbound
from services.permits.models import Application, History


def step(
    uow: UnitOfWork,
    app: Application,
    *,
    action: str,
    now: datetime,
    actor: Principal | str,
    to_state: str | None = None,
    kd_status: str | None = None,
    note: str | None = None,
    public: bool = True,
) -> History:
    """Record a step (and move the state); a kd_status is pushed to OSS with the note as keterangan.

    `actor` is the principal, or "oss" / "system" for pushes and the clock.
    """
    assert uow.session is not None
    principal = actor if isinstance(actor, Principal) else None
    row = History(
        application_id=app.id,
        seq=(app.version or 0) + 1,
        at=now,
        action=action,
        from_state=app.state,
        to_state=to_state or app.state,
        step=app.step,
        kd_status=kd_status,
        actor_kind=principal.kind if principal else str(actor),
        actor_id=principal.id if principal else None,
        actor_role=principal.role if principal else None,
        actor_opd=principal.opd if principal else None,
        note=note[:1000] if note else None,
        public=public,
    )
    uow.session.add(row)
    if to_state:
        app.state = to_state
    if kd_status:
        app.kd_status = kd_status
        outbound.push_status(
            uow, app, kd_status=kd_status, keterangan=note or action, now=now, actor=principal
        )
    app.version = (app.version or 0) + 1
    app.updated_at = now
    return row

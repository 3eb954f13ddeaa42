"""The retribusi: computed from the catalogue's formula over the application's data, billed through
payments, awaited in 30–34 (the clock stops: the time is the applicant's), void when unpaid by the
payment step's deadline."""

from __future__ import annotations

from datetime import datetime

from gateway.auth import Principal
from gateway.db import UnitOfWork
from services.permits import catalogue, history
from services.permits.models import Application
from services.permits.workflow import APPLICATIONS, SYSTEM, type_of

PAUSE_REASON = "Menunggu pembayaran retribusi"


def amount_for(app: Application) -> int:
    return catalogue.fee(type_of(app), app.data or {})


def start_payment(uow: UnitOfWork, app: Application, *, now: datetime, actor: Principal | str) -> bool:
    """Bill the retribusi and wait for it (True); False when this application owes nothing."""
    amount = amount_for(app)
    if amount <= 0:
        return False
    APPLICATIONS.check(app.state, "await_payment", role=SYSTEM)
    app.fee_amount = amount
    app.paused_at, app.pause_reason = now, PAUSE_REASON
    history.step(
        uow,
        app,
        action="fee_assessed",
        now=now,
        actor=actor,
        to_state="awaiting_payment",
        kd_status="30",
        note=f"Retribusi ditetapkan Rp{amount:,}".replace(",", "."),
    )
    return True

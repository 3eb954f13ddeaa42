"""The retribusi: computed from the catalogue's formula over the application's data, billed through
payments (an invoice with a billing code and QRIS), awaited in 30–34 with the clock stopped (the time is
the applicant's), void when unpaid by the payment step's deadline (the invoice expires then too)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.kernel import clock
from gateway.kernel.sla import SlaClock
from services.payments import api as payments
from services.permits import catalogue, history
from services.permits.models import Application
from services.permits.workflow import APPLICATIONS, SYSTEM, type_of

PURPOSE = "permits.retribusi"
PAUSE_REASON = "Menunggu pembayaran retribusi"


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def amount_for(app: Application) -> int:
    return catalogue.fee(type_of(app), app.data or {})


def start_payment(uow: UnitOfWork, app: Application, *, now: datetime, actor: Principal | str) -> bool:
    """Bill the retribusi and wait for it (True); False when this application owes nothing."""
    amount = amount_for(app)
    if amount <= 0:
        return False
    APPLICATIONS.check(app.state, "await_payment", role=SYSTEM)
    invoice = payments.create_invoice(
        uow,
        purpose=PURPOSE,
        purpose_ref=app.id,
        amount=amount,
        payer=payments.Payer(resident_id=app.applicant_resident_id, name=app.business_name),
        description=f"Retribusi {type_of(app).name} {app.number}",
        expires_at=app.step_due_at,
        channel_hint="qris",
    )
    app.fee_amount, app.invoice_id, app.billing_code = amount, invoice.id, invoice.billing_code
    app.paused_at, app.pause_reason = now, PAUSE_REASON
    rupiah = f"Rp{amount:,}".replace(",", ".")
    history.step(
        uow,
        app,
        action="fee_assessed",
        now=now,
        actor=actor,
        to_state="awaiting_payment",
        kd_status="30",
        note=f"Retribusi {rupiah} ditetapkan; kode bayar {invoice.billing_code}",
    )
    return True


def cancel_open_invoice(uow: UnitOfWork, app: Application) -> None:
    """The application is void before payments expired its invoice: nobody may pay it any more."""
    if app.invoice_id and payments.get_invoice(uow, app.invoice_id).state == "open":
        payments.cancel_invoice(uow, app.invoice_id, reason="Permohonan izin batal: retribusi tidak dibayar")


def _application(uow: UnitOfWork, invoice_id: str, purpose: str, purpose_ref: str) -> Application | None:
    """Our application behind a payments event (None for another service's invoice or a stale one)."""
    if purpose != PURPOSE:
        return None
    stmt = select(Application).where(Application.id == purpose_ref)
    if uow.is_postgres:
        stmt = stmt.with_for_update()
    app = _s(uow).scalar(stmt)
    return app if app is not None and app.invoice_id == invoice_id else None


def on_paid(uow: UnitOfWork, *, invoice_id: str, purpose: str, purpose_ref: str) -> str:
    """payments.invoice_paid: 32 and on to approval; a payment after the application went void is
    recorded for finance to refund (the application stays void)."""
    from services.permits import steps  # steps bills through this module

    with uow:
        app = _application(uow, invoice_id, purpose, purpose_ref)
        if app is None:
            return "not ours"
        now = clock.now()
        if app.state == "awaiting_payment":
            steps.paid(uow, app, now=now, sla=SlaClock.load(uow))
            outcome = "paid"
        elif app.state == "void":
            history.step(
                uow,
                app,
                action="paid_after_void",
                now=now,
                actor="system",
                note="Pembayaran diterima setelah permohonan batal; dikembalikan oleh bagian keuangan",
            )
            outcome = "late"
        else:
            return "already"  # a repeated delivery of the event
        uow.commit()
        return outcome


def on_expired(uow: UnitOfWork, *, invoice_id: str, purpose: str, purpose_ref: str) -> str:
    """payments.invoice_expired: unpaid by its deadline, the application is void (33)."""
    from services.permits import steps

    with uow:
        app = _application(uow, invoice_id, purpose, purpose_ref)
        if app is None or app.state != "awaiting_payment":
            return "nothing"
        steps.void(uow, app, now=clock.now())
        uow.commit()
        return "void"

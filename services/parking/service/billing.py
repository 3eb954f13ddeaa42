"""Paying for a visit or a subscription through payments (its api module only): a dynamic QRIS per
visit (62/05 the visit's printed reference, 62/07 the handheld), paid only when payments says so
(payments.invoice_paid)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.parking.errors import SessionNotFound
from services.parking.models import Session, Subscription
from services.parking.service.access import may_see, owner_of
from services.payments import api as payments

PURPOSE = "parking.retribusi"
LONG_POLL_STEP = 0.2  # seconds between looks while the handheld waits for the payment


def open_invoice(uow: UnitOfWork, row: Session, *, shown: bool = False) -> None:
    """The visit's invoice, in the caller's transaction: exact amount, a QRIS whose reference label is
    the visit's reference (the one on the receipt, so a disputed payment is found by it) and whose
    terminal label is the handheld's id.

    The registered owner (if any) is the payer, so the visit is in her app's invoices too. The plate is
    not put in the invoice: payments keeps money, not whereabouts."""
    owner = owner_of(uow, row.plate_key)
    invoice = payments.create_invoice(
        uow,
        purpose=PURPOSE,
        purpose_ref=row.id,
        amount=row.amount,
        payer=payments.Payer(resident_id=owner) if owner else None,
        description=f"Retribusi parkir {row.reference} ({row.zone_code})",
        expires_at=None,
        channel_hint="qris",
        terminal=row.device_id,
        reference=row.reference,
    )
    row.invoice_id, row.billing_code, row.qris = invoice.id, invoice.billing_code, invoice.qris
    if shown:  # the handheld shows it at once: payments' status poll counts from now
        payments.mark_qr_shown(uow, invoice.id)


def invoice_paid(uow: UnitOfWork, *, invoice_id: str, purpose_ref: str) -> str | None:
    """payments.invoice_paid for one of ours: the visit is paid, or the subscription starts (once)."""
    with uow:
        session = session_of(uow)
        invoice = payments.get_invoice(uow, invoice_id)
        visit = session.get(Session, purpose_ref, with_for_update=True)
        if visit is not None and visit.invoice_id == invoice_id:
            if visit.payment_state != "paid":
                visit.payment_state, visit.paid_at = "paid", invoice.paid_at or clock.now()
                uow.commit()
            return "session"
        subscription = session.get(Subscription, purpose_ref, with_for_update=True)
        if subscription is not None and subscription.invoice_id == invoice_id:
            if subscription.state != "active":
                subscription.state, subscription.activated_at = "active", invoice.paid_at or clock.now()
                uow.commit()
            return "subscription"
        return None


def _status(row: Session) -> dict[str, Any]:
    return {
        "id": row.id,
        "reference": row.reference,
        "amount": row.amount,
        "payment_state": row.payment_state,
        "paid_at": row.paid_at,
    }


def wait_for_payment(*, principal: Principal, session_id: str, wait: float) -> dict[str, Any]:
    """The visit's payment state; with wait > 0, answers as soon as it is no longer unpaid (long-poll)."""
    deadline = time.monotonic() + wait
    while True:
        with UnitOfWork(read_only=True) as uow:
            row = session_of(uow).get(Session, session_id)
            if row is None or not may_see(uow, principal, row):
                raise SessionNotFound("No such session")
            if row.payment_state != "unpaid" or time.monotonic() >= deadline:
                return _status(row)
        time.sleep(LONG_POLL_STEP)


def pay_by_reference(uow: UnitOfWork, *, reference: str, now: datetime | None = None) -> dict[str, Any]:
    """A citizen pays a visit from the app by the receipt's reference: its QRIS (a fresh invoice if the
    first expired). Nothing personal is shown: the reference is printed on a paper receipt."""
    from services.parking import plates

    with uow:
        row = session_of(uow).scalar(select(Session).where(Session.reference == reference.strip().upper()))
        if row is None or row.invoice_id is None:
            raise SessionNotFound("No visit to pay with this reference")
        if row.payment_state == "unpaid":
            current = payments.get_invoice(uow, row.invoice_id)
            if current.state != "open":
                open_invoice(uow, row)
                uow.commit()
        return {
            "reference": row.reference,
            "zone_code": row.zone_code,
            "plate": plates.masked(row.plate),
            "amount": row.amount,
            "payment_state": row.payment_state,
            "billing_code": row.billing_code,
            "qris": row.qris if row.payment_state == "unpaid" else None,
            "invoice_id": row.invoice_id,
        }

"""Counter payments at the Mall Pelayanan Publik: cash or card (EDC) with its slip number.

Counter staff find the invoice by the billing code the citizen shows, record what they took and the slip
number; up to PAYMENTS_COUNTER_CONFIRM_ABOVE rupiah that pays the invoice at once, above it a second
staff member (counter, finance or admin, never the one who took the money) confirms or rejects it first.
A slip number is used once per method, so the same slip recorded twice is one payment.
"""

from __future__ import annotations

from sqlalchemy import select, update

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import ValidationFailed
from gateway.kernel import clock
from services.payments import models as m
from services.payments import service, settings
from services.payments.errors import (
    CounterPaymentNotFound,
    CounterPaymentNotPending,
    InvoiceNotFound,
    InvoiceNotOpen,
    SecondStaffRequired,
    SlipAlreadyUsed,
)

COUNTER_ROLES = ("counter", "finance", "admin")
METHODS = ("cash", "edc")


def find_by_code(uow: UnitOfWork, *, principal: Principal, billing_code: str) -> m.Invoice:
    """The invoice a citizen shows at the counter (audited when it has a payer)."""
    principal.require_role(*COUNTER_ROLES)
    with uow:
        invoice = session_of(uow).scalar(select(m.Invoice).where(m.Invoice.billing_code == billing_code))
        if invoice is None:
            raise InvoiceNotFound("No invoice with this billing code")
        if invoice.payer_resident_id:
            audit.record(
                uow, actor=principal, resident_id=invoice.payer_resident_id,
                action="read:invoice", resource=f"payments_invoice:{invoice.id}",
            )  # fmt: skip
            uow.commit()
        return invoice


def record(
    uow: UnitOfWork, *, principal: Principal, invoice_id: str, method: str, slip_number: str, amount: int
) -> m.CounterPayment:
    """Record money taken at the counter; pays the invoice now or waits for a second staff member."""
    principal.require_role(*COUNTER_ROLES)
    with uow:
        session = session_of(uow)
        invoice = service.get(uow, invoice_id, lock=True)
        known = session.scalar(
            select(m.CounterPayment).where(
                m.CounterPayment.method == method, m.CounterPayment.slip_number == slip_number
            )
        )
        if known is not None:
            if known.invoice_id != invoice.id or known.amount != amount:
                raise SlipAlreadyUsed(f"{method} slip {slip_number} was recorded for another payment")
            return known  # the same slip recorded again: one payment
        if invoice.state != m.OPEN:
            raise InvoiceNotOpen(f"The invoice is {invoice.state}", extra={"state": invoice.state})
        if amount != invoice.amount:
            raise ValidationFailed(
                f"Took {amount} for an invoice of {invoice.amount}", reason="amount_mismatch",
                errors={"json": {"amount": [f"The invoice is Rp{invoice.amount}"]}},
            )  # fmt: skip
        row = m.CounterPayment(
            invoice_id=invoice.id, method=method, slip_number=slip_number, amount=amount,
            state="pending", recorded_by=principal.id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        if amount <= settings.counter_confirm_above():
            _settle(uow, row, confirmed_by=None)
        uow.commit()
        return row


def decide(
    uow: UnitOfWork, *, principal: Principal, counter_payment_id: str, confirm: bool, note: str | None
) -> m.CounterPayment:
    """A second staff member confirms (the invoice is paid) or rejects a pending counter payment."""
    principal.require_role(*COUNTER_ROLES)
    with uow:
        stmt = select(m.CounterPayment).where(m.CounterPayment.id == counter_payment_id)
        row = session_of(uow).scalar(stmt.with_for_update() if uow.is_postgres else stmt)
        if row is None:
            raise CounterPaymentNotFound("No such counter payment")
        if row.state != "pending":
            raise CounterPaymentNotPending(f"The counter payment is {row.state}", extra={"state": row.state})
        if row.recorded_by == principal.id:
            raise SecondStaffRequired("Someone other than the staff member who took the money decides")
        row.note = note
        if confirm:
            _settle(uow, row, confirmed_by=principal.id)
        else:
            _mark(uow, row, state="rejected", by=principal.id)
        uow.commit()
        return row


def _mark(uow: UnitOfWork, row: m.CounterPayment, *, state: str, by: str | None) -> None:
    done = session_of(uow).execute(
        update(m.CounterPayment)
        .where(m.CounterPayment.id == row.id, m.CounterPayment.state == "pending")
        .values(state=state, confirmed_by=by, decided_at=clock.now(), note=row.note)
    )
    if done.rowcount != 1:
        raise CounterPaymentNotPending("The counter payment was decided meanwhile")
    session_of(uow).refresh(row)


def _settle(uow: UnitOfWork, row: m.CounterPayment, *, confirmed_by: str | None) -> None:
    payment, _ = service.record_payment(
        uow, invoice_id=row.invoice_id, channel="counter", reference=f"{row.method}:{row.slip_number}",
        amount=row.amount, paid_at=row.created_at,
    )  # fmt: skip
    row.payment_id = payment.id
    _mark(uow, row, state="confirmed", by=confirmed_by)
    session_of(uow).execute(
        update(m.CounterPayment).where(m.CounterPayment.id == row.id).values(payment_id=payment.id)
    )


def list_pending(uow: UnitOfWork, *, principal: Principal, limit: int, offset: int) -> tuple[list, int]:
    """Counter payments waiting for a second staff member, oldest first."""
    principal.require_role(*COUNTER_ROLES)
    with uow:
        stmt = select(m.CounterPayment).where(m.CounterPayment.state == "pending")
        order = (m.CounterPayment.created_at, m.CounterPayment.id)
        return service.page(uow, stmt, order, limit=limit, offset=offset)

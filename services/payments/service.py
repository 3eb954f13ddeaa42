"""Invoice use cases: create, read (who may see what), cancel, pay once, expire, refund.

The state machine: open → paid | expired | cancelled; paid → partially_refunded → refunded. Every state
change is one guarded UPDATE or a row lock, so two notifications, two sweeps or a sweep and a payment
racing each other change an invoice once. Money arriving for an invoice that expired or was cancelled is
still recorded and makes it paid (the wallet was debited: the money is the payer's until refunded);
money arriving for an invoice already paid is kept as an overpayment to refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, false, func, select, update

from gateway import audit, events
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Forbidden, ValidationFailed
from gateway.kernel import clock, counters
from services.payments import hooks, qris, settings
from services.payments import models as m
from services.payments.errors import (
    InvalidInvoice,
    InvoiceAlreadyOpen,
    InvoiceNotFound,
    InvoiceNotOpen,
    InvoiceNotRefundable,
    RefundTooLarge,
)
from services.payments.events import INVOICE_EXPIRED, INVOICE_PAID, REFUNDED
from services.payments.purposes import purpose as find_purpose

CHANNELS = ("qris", "va", "counter")
READ_ALL = ("finance", "admin")


@dataclass(frozen=True)
class Payer:
    """Who owes the money: a resident (she sees the invoice in her app) and/or a name for the slip."""

    resident_id: str | None = None
    name: str | None = None


# ---- billing codes ------------------------------------------------------------------------------


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def billing_code_valid(code: str) -> bool:
    """13 digits whose last one is the Luhn check digit of the first twelve (a mistyped digit fails)."""
    return len(code) == 13 and code.isdigit() and _luhn_digit(code[:12]) == code[12]


def new_billing_code(uow: UnitOfWork) -> str:
    """YYMMDD (local date) + a 6-digit serial of the day from the kernel counters + a Luhn digit.

    Digits only, so it also fits a virtual account number (prefix + code) and a teller's keypad.
    """
    day = clock.local_today().strftime("%y%m%d")
    serial = counters.next_value(uow, "payments", f"billing:{day}")
    if serial > 999_999:
        raise InvalidInvoice("The day's billing codes are exhausted", reason="invalid_invoice")
    head = f"{day}{serial:06d}"
    return head + _luhn_digit(head)


# ---- create / read ------------------------------------------------------------------------------


def create(
    uow: UnitOfWork,
    *,
    purpose: str,
    purpose_ref: str,
    amount: int,
    payer: Payer | None,
    description: str,
    expires_at: datetime | None,
    channel_hint: str | None,
    terminal: str | None = None,
    reference: str | None = None,
) -> m.Invoice:
    """An open invoice with its billing code and QRIS payload, in the caller's transaction.

    Asking again for the same purpose, reference and amount while an invoice is open answers that
    invoice (a retry never creates a second one); another amount is refused (cancel the open one first).
    """
    found = find_purpose(purpose)
    problems = _check_create(found, purpose_ref, amount, description, expires_at, channel_hint, terminal)
    if reference is not None and not _label_ok(reference):
        problems["reference"] = "1 to 25 printable ASCII characters"
    if problems:
        raise InvalidInvoice("The invoice cannot be created", errors={"invoice": problems})
    assert found is not None
    session = session_of(uow)
    stmt = select(m.Invoice).where(
        m.Invoice.purpose == purpose, m.Invoice.purpose_ref == purpose_ref, m.Invoice.state == m.OPEN
    )
    existing = session.scalar(stmt.with_for_update() if uow.is_postgres else stmt)
    if existing is not None:
        if existing.amount == amount:
            return existing
        raise InvoiceAlreadyOpen(
            f"Invoice {existing.billing_code} for this purpose is open with another amount; cancel it first"
        )
    code = new_billing_code(uow)
    now = clock.now()
    invoice = m.Invoice(
        billing_code=code,
        purpose=purpose,
        purpose_ref=purpose_ref,
        opd_code=found.opd,
        amount=amount,
        amount_refunded=0,
        state=m.OPEN,
        payer_resident_id=payer.resident_id if payer else None,
        payer_name=payer.name if payer else None,
        description=description,
        channel_hint=channel_hint,
        terminal=terminal,
        reference_label=reference,
        qris_payload=qris.build(
            settings.merchant(), amount=amount, reference=reference or code, terminal=terminal
        ),
        expires_at=expires_at or now + settings.default_ttl(),
        created_at=now,
        version=1,
    )
    session.add(invoice)
    session.flush()
    return invoice


def _check_create(
    found: object,
    purpose_ref: str,
    amount: int,
    description: str,
    expires_at: datetime | None,
    channel_hint: str | None,
    terminal: str | None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if found is None:
        problems["purpose"] = "Unknown purpose (see services/payments/purposes.py)"
    if not purpose_ref or len(purpose_ref) > 64:
        problems["purpose_ref"] = "Between 1 and 64 characters"
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= 10**12:
        problems["amount"] = "A positive whole number of rupiah"
    if not description or len(description) > 200:
        problems["description"] = "Between 1 and 200 characters"
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= clock.now()):
        problems["expires_at"] = "An aware moment in the future"
    if channel_hint is not None and channel_hint not in CHANNELS:
        problems["channel_hint"] = f"One of {', '.join(CHANNELS)}"
    if terminal is not None and not _label_ok(terminal):
        problems["terminal"] = "1 to 25 printable ASCII characters"
    return problems


def _label_ok(value: str) -> bool:
    """Fits a QRIS additional-data label (62.05, 62.07): 1–25 printable ASCII characters."""
    return isinstance(value, str) and 0 < len(value) <= 25 and value.isascii() and value.isprintable()


def qr_label(invoice: m.Invoice) -> str:
    """The reference label (62.05) of the invoice's QR: what the acquirer reports a payment under."""
    return invoice.reference_label or invoice.billing_code


def by_qr_label(uow: UnitOfWork, label: str) -> m.Invoice | None:
    """The invoice a QR's reference label names: its billing code, else the caller's reference (the
    newest invoice with it: a visit whose first QR expired was given a second one)."""
    session = session_of(uow)
    found = session.scalar(select(m.Invoice).where(m.Invoice.billing_code == label))
    if found is None:
        found = session.scalar(
            select(m.Invoice)
            .where(m.Invoice.reference_label == label)
            .order_by(m.Invoice.created_at.desc(), m.Invoice.id.desc())
            .limit(1)
        )
    return found


def get(uow: UnitOfWork, invoice_id: str, *, lock: bool = False) -> m.Invoice:
    stmt = select(m.Invoice).where(m.Invoice.id == invoice_id)
    if lock and uow.is_postgres:
        stmt = stmt.with_for_update()
    invoice = session_of(uow).scalar(stmt)
    if invoice is None:
        raise InvoiceNotFound("No such invoice")
    return invoice


def find(uow: UnitOfWork, *, purpose: str, purpose_ref: str) -> list[m.Invoice]:
    stmt = (
        select(m.Invoice)
        .where(m.Invoice.purpose == purpose, m.Invoice.purpose_ref == purpose_ref)
        .order_by(m.Invoice.created_at.desc(), m.Invoice.id)
    )
    return list(session_of(uow).scalars(stmt))


def _visible(principal: Principal) -> ColumnElement[bool]:
    """What the caller may see: her own (citizen), her OPD's (officer), everything (finance, admin)."""
    if principal.is_citizen and principal.resident_id:
        return m.Invoice.payer_resident_id == principal.resident_id
    if principal.role in READ_ALL:
        return m.Invoice.id.is_not(None)
    if principal.role == "officer" and principal.opd:
        return m.Invoice.opd_code == principal.opd
    return false()


def _audit(uow: UnitOfWork, principal: Principal, invoices: list[m.Invoice]) -> None:
    for invoice in invoices:
        if invoice.payer_resident_id:
            audit.record(
                uow,
                actor=principal,
                resident_id=invoice.payer_resident_id,
                action="read:invoice",
                resource=f"payments_invoice:{invoice.id}",
            )


def page(uow: UnitOfWork, stmt: Select, order: tuple, *, limit: int, offset: int) -> tuple[list, int]:
    """One page of `stmt` in `order`, and how many rows there are in all."""
    session = session_of(uow)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(*order).limit(limit).offset(offset))), total


def _visible_one(uow: UnitOfWork, principal: Principal, invoice_id: str) -> m.Invoice:
    invoice = session_of(uow).scalar(select(m.Invoice).where(m.Invoice.id == invoice_id, _visible(principal)))
    if invoice is None:
        raise InvoiceNotFound("No such invoice")
    return invoice


def read(uow: UnitOfWork, *, principal: Principal, invoice_id: str) -> m.Invoice:
    """One invoice the caller may see (404 for any other); a staff read of a payer's invoice is audited."""
    with uow:
        invoice = _visible_one(uow, principal, invoice_id)
        if not principal.is_citizen:
            _audit(uow, principal, [invoice])
            uow.commit()
        return invoice


def list_invoices(
    uow: UnitOfWork,
    *,
    principal: Principal,
    state: str | None = None,
    purpose: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[m.Invoice], int]:
    """The invoices the caller may see, newest first (audited for staff)."""
    if not principal.is_citizen and principal.role not in (*READ_ALL, "officer"):
        raise Forbidden("Invoices are read by their payer, the purpose's OPD and finance", reason="forbidden")
    with uow:
        stmt = select(m.Invoice).where(_visible(principal))
        if state:
            stmt = stmt.where(m.Invoice.state == state)
        if purpose:
            stmt = stmt.where(m.Invoice.purpose == purpose)
        rows, total = page(uow, stmt, (m.Invoice.created_at.desc(), m.Invoice.id), limit=limit, offset=offset)
        if not principal.is_citizen and rows:
            _audit(uow, principal, rows)
            uow.commit()
        return rows, total


def show_qr(uow: UnitOfWork, *, principal: Principal, invoice_id: str) -> m.Invoice:
    """The invoice whose QR the caller may see, marked as shown (once)."""
    with uow:
        invoice = _visible_one(uow, principal, invoice_id)
        if invoice.qr_shown_at is None:
            mark_qr_shown(uow, invoice.id)
        if not principal.is_citizen:
            _audit(uow, principal, [invoice])
        uow.commit()
        return invoice


def mark_qr_shown(uow: UnitOfWork, invoice_id: str) -> None:
    """Remember when the QR was first shown: the status poll asks the acquirer only after that."""
    session_of(uow).execute(
        update(m.Invoice)
        .where(m.Invoice.id == invoice_id, m.Invoice.qr_shown_at.is_(None))
        .values(qr_shown_at=clock.now())
    )


# ---- state changes ------------------------------------------------------------------------------


def cancel(uow: UnitOfWork, invoice_id: str, *, reason: str) -> m.Invoice:
    """open → cancelled (the purpose no longer needs the money); cancelling twice is a no-op."""
    invoice = get(uow, invoice_id, lock=True)
    if invoice.state == m.CANCELLED:
        return invoice
    now = clock.now()
    done = session_of(uow).execute(
        update(m.Invoice)
        .where(m.Invoice.id == invoice_id, m.Invoice.state == m.OPEN)
        .values(
            state=m.CANCELLED, cancelled_at=now, cancel_reason=reason[:200], version=m.Invoice.version + 1
        )
    )
    if done.rowcount != 1:
        session_of(uow).refresh(invoice)
        raise InvoiceNotOpen(f"The invoice is {invoice.state}", extra={"state": invoice.state})
    session_of(uow).refresh(invoice)
    return invoice


def record_payment(
    uow: UnitOfWork,
    *,
    invoice_id: str,
    channel: str,
    reference: str,
    amount: int,
    paid_at: datetime,
) -> tuple[m.Payment, bool]:
    """Money received for an invoice, in the caller's transaction; returns (payment, newly recorded).

    Idempotent on (channel, reference): the same payment reported twice is recorded once. The first
    payment of the full amount makes the invoice paid (publishes payments.invoice_paid and posts through
    hooks.money_moved); a different payment for an invoice already paid is kept as an overpayment.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel}")
    session = session_of(uow)
    invoice = get(uow, invoice_id, lock=True)  # serialises payments of one invoice (PostgreSQL)
    known = session.scalar(
        select(m.Payment).where(m.Payment.channel == channel, m.Payment.reference == reference)
    )
    if known is not None:
        return known, False
    if amount != invoice.amount:
        raise ValidationFailed(f"Paid {amount} for an invoice of {invoice.amount}", reason="amount_mismatch")
    settles = invoice.state in (m.OPEN, m.EXPIRED, m.CANCELLED)
    payment = m.Payment(
        invoice_id=invoice.id,
        channel=channel,
        reference=reference,
        amount=amount,
        settles=settles,
        late=settles and invoice.state != m.OPEN,
        paid_at=paid_at,
    )
    session.add(payment)
    if not settles:
        session.flush()
        hooks.money_moved(uow, kind="overpaid", invoice=invoice, payment=payment)
        return payment, True
    done = session.execute(
        update(m.Invoice)
        .where(m.Invoice.id == invoice.id, m.Invoice.state == invoice.state)
        .values(state=m.PAID, paid_at=paid_at, version=m.Invoice.version + 1)
    )
    if done.rowcount != 1:  # SQLite: someone changed it between our read and write (no row lock there)
        raise InvoiceNotOpen("The invoice changed while the payment was recorded; retry")
    session.flush()
    session.refresh(invoice)
    hooks.money_moved(uow, kind="paid", invoice=invoice, payment=payment)
    events.publish(
        uow, INVOICE_PAID, invoice_id=invoice.id, purpose=invoice.purpose, purpose_ref=invoice.purpose_ref
    )
    return payment, True


def expire_due(uow: UnitOfWork, *, limit: int = 500) -> int:
    """open → expired for the invoices past their expires_at (one batch); each expires once."""
    now = clock.now()
    session = session_of(uow)
    due = session.execute(
        select(m.Invoice.id, m.Invoice.purpose, m.Invoice.purpose_ref)
        .where(m.Invoice.state == m.OPEN, m.Invoice.expires_at <= now)
        .order_by(m.Invoice.expires_at)
        .limit(limit)
    ).all()
    expired = 0
    for invoice_id, purpose, purpose_ref in due:
        done = session.execute(
            update(m.Invoice)
            .where(m.Invoice.id == invoice_id, m.Invoice.state == m.OPEN)
            .values(state=m.EXPIRED, expired_at=now, version=m.Invoice.version + 1)
        )
        if done.rowcount == 1:
            events.publish(
                uow, INVOICE_EXPIRED, invoice_id=invoice_id, purpose=purpose, purpose_ref=purpose_ref
            )
            expired += 1
    return expired


def refund(uow: UnitOfWork, *, principal: Principal, invoice_id: str, amount: int, reason: str) -> m.Refund:
    """Finance records a refund of all or part of a paid invoice (paid → partially_refunded | refunded)."""
    principal.require_role(*READ_ALL)
    with uow:
        invoice = get(uow, invoice_id, lock=True)
        if invoice.state not in (m.PAID, m.PARTIALLY_REFUNDED):
            raise InvoiceNotRefundable(f"The invoice is {invoice.state}", extra={"state": invoice.state})
        left = invoice.amount - invoice.amount_refunded
        if amount > left:
            raise RefundTooLarge(
                f"At most {left} can still be refunded", errors={"json": {"amount": [f"At most {left}"]}}
            )
        row = m.Refund(
            invoice_id=invoice.id,
            amount=amount,
            reason=reason,
            requested_by=principal.id,
            created_at=clock.now(),
        )
        session = session_of(uow)
        session.add(row)
        refunded = invoice.amount_refunded + amount
        done = session.execute(
            update(m.Invoice)
            .where(m.Invoice.id == invoice.id, m.Invoice.version == invoice.version)
            .values(
                amount_refunded=refunded,
                state=m.REFUNDED if refunded == invoice.amount else m.PARTIALLY_REFUNDED,
                version=m.Invoice.version + 1,
            )
        )
        if done.rowcount != 1:
            raise InvoiceNotRefundable("The invoice changed meanwhile; retry")
        session.flush()
        session.refresh(invoice)
        hooks.money_moved(uow, kind="refunded", invoice=invoice, refund=row)
        events.publish(
            uow,
            REFUNDED,
            invoice_id=invoice.id,
            purpose=invoice.purpose,
            purpose_ref=invoice.purpose_ref,
            refund_id=row.id,
            amount=amount,
        )
        uow.commit()
        return row


def cancel_by_staff(uow: UnitOfWork, *, principal: Principal, invoice_id: str, reason: str) -> m.Invoice:
    """Finance (or an admin) cancels an open invoice over HTTP."""
    principal.require_role(*READ_ALL)
    with uow:
        invoice = cancel(uow, invoice_id, reason=reason)
        uow.commit()
        return invoice

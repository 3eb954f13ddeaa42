"""The ledger: double-entry and append-only, so every rupiah is traceable from invoice to bank.

Every payment, overpayment, refund and settlement is one transaction of postings that sum to zero
(debits positive, credits negative), written in the unit of work that changes the state it records —
it commits or rolls back with it. Rows are only ever inserted: there is no update path here, and the
database's triggers refuse UPDATE and DELETE. Balances are sums of postings, never stored.

Accounts:
  asset:acquirer_clearing   QRIS / VA money the acquirer owes us until it settles to the bank
  asset:counter_cash        cash and EDC taken at the MPP counter, until deposited
  asset:bank                the city's account (Kas Daerah) as the settlement report credits it
  expense:mdr_fees          the acquirer's fee (MDR) kept from each settlement
  liability:refunds_payable money owed back to payers (refunds, payments of an invoice already paid)
  revenue:<purpose>         retribusi and fees per purpose (permits.retribusi, parking.retribusi …)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, insert, select

from gateway.auth import Principal
from gateway.db import UnitOfWork, new_id, session_of, utcnow
from gateway.kernel import clock
from services.payments import models as m

ACQUIRER_CLEARING = "asset:acquirer_clearing"
COUNTER_CASH = "asset:counter_cash"
BANK = "asset:bank"
MDR_FEES = "expense:mdr_fees"
REFUNDS_PAYABLE = "liability:refunds_payable"
READ_ALL = ("finance", "admin")

PAYMENT, OVERPAYMENT, REFUND, SETTLEMENT = "payment", "overpayment", "refund", "settlement"
KINDS = (PAYMENT, OVERPAYMENT, REFUND, SETTLEMENT)


class Unbalanced(ValueError):
    """Postings that do not sum to zero (or no posting at all): nothing is written."""


def revenue(purpose: str) -> str:
    return f"revenue:{purpose}"


def received_into(channel: str) -> str:
    """Where a channel's money sits first: the counter's till, or the acquirer's clearing account."""
    return COUNTER_CASH if channel == "counter" else ACQUIRER_CLEARING


def business_date(moment: datetime) -> date:
    return clock.local(moment).date()


def post(
    uow: UnitOfWork,
    *,
    kind: str,
    source_id: str,
    booked_on: date,
    memo: str,
    lines: Iterable[tuple[str, int]],
    invoice_id: str | None = None,
) -> m.LedgerTransaction:
    """Write one balanced transaction in the caller's unit of work (Unbalanced when it is not)."""
    legs = [(account, int(amount)) for account, amount in lines if amount]
    if kind not in KINDS:
        raise ValueError(f"unknown ledger kind {kind}")
    if not legs or sum(amount for _, amount in legs) != 0:
        raise Unbalanced(f"{kind} {source_id}: postings {legs} do not balance")
    session = session_of(uow)
    transaction = m.LedgerTransaction(
        id=new_id(),
        kind=kind,
        source_id=source_id,
        invoice_id=invoice_id,
        booked_on=booked_on,
        memo=memo[:200],
        created_at=utcnow(),
    )
    session.add(transaction)
    session.flush()
    session.execute(
        insert(m.LedgerPosting),
        [
            {"id": new_id(), "transaction_id": transaction.id, "account": account, "amount": amount}
            for account, amount in legs
        ],
    )
    return transaction


def record_movement(
    uow: UnitOfWork,
    *,
    kind: str,
    invoice: m.Invoice,
    payment: m.Payment | None = None,
    refund: m.Refund | None = None,
) -> m.LedgerTransaction:
    """The postings of hooks.money_moved: paid, overpaid (owed back) or refunded."""
    if kind == "paid" and payment is not None:
        return post(
            uow, kind=PAYMENT, source_id=payment.id, invoice_id=invoice.id,
            booked_on=business_date(payment.paid_at),
            memo=f"{invoice.billing_code} paid by {payment.channel} {payment.reference}",
            lines=[(received_into(payment.channel), payment.amount), (revenue(invoice.purpose), -payment.amount)],
        )  # fmt: skip
    if kind == "overpaid" and payment is not None:
        return post(
            uow, kind=OVERPAYMENT, source_id=payment.id, invoice_id=invoice.id,
            booked_on=business_date(payment.paid_at),
            memo=f"{invoice.billing_code} paid again by {payment.channel} {payment.reference}: to refund",
            lines=[(received_into(payment.channel), payment.amount), (REFUNDS_PAYABLE, -payment.amount)],
        )  # fmt: skip
    if kind == "refunded" and refund is not None:
        return post(
            uow, kind=REFUND, source_id=refund.id, invoice_id=invoice.id,
            booked_on=business_date(refund.created_at or clock.now()),
            memo=f"{invoice.billing_code} refund: {refund.reason}",
            lines=[(revenue(invoice.purpose), refund.amount), (REFUNDS_PAYABLE, -refund.amount)],
        )  # fmt: skip
    raise ValueError(f"nothing to post for {kind}")


# ---- reading: balances are derived, never stored ------------------------------------------------


@dataclass(frozen=True)
class Balance:
    account: str
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        """Debits minus credits (assets and expenses positive; revenue and liabilities negative)."""
        return self.debit - self.credit


def balances(uow: UnitOfWork, *, principal: Principal, as_of: date | None = None) -> list[Balance]:
    """Every account's debits and credits, summed from the postings (up to `as_of`, inclusive)."""
    principal.require_role(*READ_ALL)
    with uow:
        debit = func.coalesce(func.sum(m.LedgerPosting.amount).filter(m.LedgerPosting.amount > 0), 0)
        credit = func.coalesce(func.sum(-m.LedgerPosting.amount).filter(m.LedgerPosting.amount < 0), 0)
        stmt = (
            select(m.LedgerPosting.account, debit, credit)
            .join(m.LedgerTransaction, m.LedgerTransaction.id == m.LedgerPosting.transaction_id)
            .group_by(m.LedgerPosting.account)
            .order_by(m.LedgerPosting.account)
        )
        if as_of is not None:
            stmt = stmt.where(m.LedgerTransaction.booked_on <= as_of)
        return [Balance(a, int(d), int(c)) for a, d, c in session_of(uow).execute(stmt)]


def unbalanced(uow: UnitOfWork) -> list[str]:
    """Ids of transactions whose postings do not sum to zero (the ledger's invariant: always empty)."""
    stmt = (
        select(m.LedgerPosting.transaction_id)
        .group_by(m.LedgerPosting.transaction_id)
        .having(func.sum(m.LedgerPosting.amount) != 0)
    )
    return list(session_of(uow).scalars(stmt))


def _transactions(invoice_id: str | None, kind: str | None, booked_on: date | None) -> Select:
    stmt = select(m.LedgerTransaction)
    if invoice_id:
        stmt = stmt.where(m.LedgerTransaction.invoice_id == invoice_id)
    if kind:
        stmt = stmt.where(m.LedgerTransaction.kind == kind)
    if booked_on:
        stmt = stmt.where(m.LedgerTransaction.booked_on == booked_on)
    return stmt


def transactions(
    uow: UnitOfWork,
    *,
    principal: Principal,
    invoice_id: str | None = None,
    kind: str | None = None,
    booked_on: date | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict], int]:
    """Ledger transactions newest first, each with its postings (finance and admins)."""
    principal.require_role(*READ_ALL)
    with uow:
        session = session_of(uow)
        stmt = _transactions(invoice_id, kind, booked_on)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = list(
            session.scalars(
                stmt.order_by(m.LedgerTransaction.created_at.desc(), m.LedgerTransaction.id)
                .limit(limit)
                .offset(offset)
            )
        )
        legs: dict[str, list[dict]] = {row.id: [] for row in rows}
        if rows:
            postings = session.scalars(
                select(m.LedgerPosting)
                .where(m.LedgerPosting.transaction_id.in_(list(legs)))
                .order_by(m.LedgerPosting.amount.desc(), m.LedgerPosting.account)
            )
            for p in postings:
                legs[p.transaction_id].append({"account": p.account, "amount": p.amount})
        views = [
            {
                "id": r.id, "kind": r.kind, "source_id": r.source_id, "invoice_id": r.invoice_id,
                "booked_on": r.booked_on, "memo": r.memo, "created_at": r.created_at, "postings": legs[r.id],
            }
            for r in rows
        ]  # fmt: skip
        return views, total

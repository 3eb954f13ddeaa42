"""Payment tables: invoices (one amount owed for one purpose), the payments that settle them, the
refunds recorded against them and the double-entry ledger. Money is integer rupiah; nothing here is
ever deleted, and the ledger's rows are never updated either (database triggers refuse it)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow

OPEN, PAID, EXPIRED, CANCELLED = "open", "paid", "expired", "cancelled"
PARTIALLY_REFUNDED, REFUNDED = "partially_refunded", "refunded"
STATES = (OPEN, PAID, EXPIRED, CANCELLED, PARTIALLY_REFUNDED, REFUNDED)


class Invoice(Base):
    """An amount the city asks for one purpose (a permit's retribusi, a parking session …)."""

    __tablename__ = "payments_invoice"
    __table_args__ = (
        Index("ix_payments_invoice_purpose", "purpose", "purpose_ref"),
        Index("ix_payments_invoice_payer", "payer_resident_id", "created_at"),
        Index("ix_payments_invoice_opd", "opd_code", "state", "created_at"),
        Index("ix_payments_invoice_due", "state", "expires_at"),
    )

    id: Mapped[str] = id_column()
    billing_code: Mapped[str] = mapped_column(String(20), unique=True)  # shown to people, 62.05 by default
    # The caller's reference put in the QR's 62.05 instead (a parking visit's printed reference): the
    # acquirer reports the payment under it, so a notification finds its invoice by it too.
    reference_label: Mapped[str | None] = mapped_column(String(25), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    purpose_ref: Mapped[str] = mapped_column(String(64))
    opd_code: Mapped[str] = mapped_column(String(40))  # the OPD the purpose belongs to (who may read it)
    amount: Mapped[int] = mapped_column(BigInteger)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    payer_resident_id: Mapped[str | None] = mapped_column(String(36))
    payer_name: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(200))
    channel_hint: Mapped[str | None] = mapped_column(String(10))
    terminal: Mapped[str | None] = mapped_column(String(25))
    qris_payload: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    qr_shown_at: Mapped[datetime | None]  # first time someone fetched the QR: the status poll waits from here
    polled_at: Mapped[datetime | None]  # last time the status poll asked the acquirer
    paid_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    receipt_document_id: Mapped[str | None] = mapped_column(String(36))  # issued when first asked for
    version: Mapped[int] = mapped_column(Integer, default=1)


class Payment(Base):
    """Money received for an invoice on one channel, once per (channel, reference).

    `settles` is true for the one payment that made the invoice paid; a second, different payment for an
    invoice already paid is kept with settles=false: the money arrived and finance must refund it.
    """

    __tablename__ = "payments_payment"
    __table_args__ = (UniqueConstraint("channel", "reference", name="uq_payments_payment_reference"),)

    id: Mapped[str] = id_column()
    invoice_id: Mapped[str] = mapped_column(ForeignKey("payments_invoice.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # qris | va | counter
    reference: Mapped[str] = mapped_column(String(64))  # the acquirer's / bank's / slip reference
    amount: Mapped[int] = mapped_column(BigInteger)
    settles: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # arrived after expiry or cancellation
    paid_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(Base):
    """Money given back for a paid invoice (all or part of it); the sum never exceeds the amount."""

    __tablename__ = "payments_refund"

    id: Mapped[str] = id_column()
    invoice_id: Mapped[str] = mapped_column(ForeignKey("payments_invoice.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """Every notification an acquirer sent us, as received (raw body, the SNAP headers), accepted or
    refused and why: nothing is lost, and finance can see what the bank said."""

    __tablename__ = "payments_notification"
    __table_args__ = (Index("ix_payments_notification_received", "outcome", "received_at"),)

    id: Mapped[str] = id_column()
    channel: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    headers: Mapped[dict] = mapped_column(default=dict)
    body: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(64), index=True)  # the acquirer's referenceNo
    partner_reference: Mapped[str | None] = mapped_column(String(64))  # ours: the billing code
    invoice_id: Mapped[str | None] = mapped_column(String(36), index=True)
    payment_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(10))  # accepted | refused
    reason: Mapped[str] = mapped_column(String(40))  # paid, duplicate, not_success, invalid_signature …
    detail: Mapped[str | None] = mapped_column(String(300))


class CounterPayment(Base):
    """Cash or card (EDC) taken at the Mall Pelayanan Publik counter, with its slip number.

    Up to PAYMENTS_COUNTER_CONFIRM_ABOVE it pays the invoice at once; above it stays pending until a second
    staff member (not the one who took it) confirms it. One slip number is used once per method.
    """

    __tablename__ = "payments_counter_payment"
    __table_args__ = (
        UniqueConstraint("method", "slip_number", name="uq_payments_counter_payment_slip"),
        Index("ix_payments_counter_payment_state", "state", "created_at"),
    )

    id: Mapped[str] = id_column()
    invoice_id: Mapped[str] = mapped_column(ForeignKey("payments_invoice.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))  # cash | edc
    slip_number: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10))  # pending | confirmed | rejected
    recorded_by: Mapped[str] = mapped_column(String(64))
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(300))
    payment_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class LedgerTransaction(Base):
    """One movement of money, recorded once: a payment, an overpayment, a refund or a settlement.

    `source_id` is the payment, refund or reconciliation run it records; (kind, source_id) is unique, so
    a movement is never posted twice. Its postings sum to zero. Never updated, never deleted.
    """

    __tablename__ = "payments_ledger_transaction"
    __table_args__ = (
        UniqueConstraint("kind", "source_id", name="uq_payments_ledger_transaction_source"),
        Index("ix_payments_ledger_transaction_booked", "booked_on", "kind"),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(12))  # payment | overpayment | refund | settlement
    source_id: Mapped[str] = mapped_column(String(36))
    invoice_id: Mapped[str | None] = mapped_column(String(36), index=True)
    booked_on: Mapped[date] = mapped_column(Date)  # the city's business date of the movement
    memo: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerPosting(Base):
    """One leg of a transaction: a debit (amount > 0) or a credit (amount < 0) of one account.

    Balances are sums of postings, never stored. Never updated, never deleted.
    """

    __tablename__ = "payments_ledger_posting"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="ck_payments_ledger_posting_amount"),
        Index("ix_payments_ledger_posting_account", "account"),
    )

    id: Mapped[str] = id_column()
    transaction_id: Mapped[str] = mapped_column(ForeignKey("payments_ledger_transaction.id"), index=True)
    account: Mapped[str] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(BigInteger)


class SettlementLine(Base):
    """One line of the acquirer's settlement report (CSV), imported once (its reference is unique)."""

    __tablename__ = "payments_settlement_line"
    __table_args__ = (Index("ix_payments_settlement_line_date", "settlement_date"),)

    id: Mapped[str] = id_column()
    settlement_date: Mapped[date] = mapped_column(Date)
    reference_no: Mapped[str] = mapped_column(String(64), unique=True)  # the acquirer's = Payment.reference
    partner_reference_no: Mapped[str] = mapped_column(String(64))  # our billing code
    paid_time: Mapped[datetime | None]
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reconciliation(Base):
    """One run of a day's reconciliation (daily job or on demand) and the day's figures after it."""

    __tablename__ = "payments_reconciliation"
    __table_args__ = (Index("ix_payments_reconciliation_date", "business_date", "started_at"),)

    id: Mapped[str] = id_column()
    business_date: Mapped[date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(10))  # daily | on_demand
    requested_by: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    report_lines: Mapped[int] = mapped_column(Integer)  # lines of the day in the acquirer's report
    newly_matched: Mapped[int] = mapped_column(Integer)  # matched by this run (never matched again)
    matched: Mapped[int] = mapped_column(Integer)  # the day's matches after this run
    matched_amount: Mapped[int] = mapped_column(BigInteger)
    missing_at_bank: Mapped[int] = mapped_column(Integer)  # open differences of the day, by kind
    missing_here: Mapped[int] = mapped_column(Integer)
    amount_mismatch: Mapped[int] = mapped_column(Integer)
    ledger_transaction_id: Mapped[str | None] = mapped_column(String(36))  # the settlement posted


class ReconciliationMatch(Base):
    """A payment of ours paired with a line of the bank's report: each side is matched once, ever."""

    __tablename__ = "payments_reconciliation_match"
    __table_args__ = (Index("ix_payments_reconciliation_match_date", "business_date"),)

    id: Mapped[str] = id_column()
    payment_id: Mapped[str] = mapped_column(String(36), unique=True)
    line_id: Mapped[str] = mapped_column(String(36), unique=True)
    run_id: Mapped[str] = mapped_column(String(36))
    business_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)


class ReconciliationTask(Base):
    """A difference finance must look at: missing at the bank, missing here, or another amount.

    `key` (kind + the payment or line it is about) is unique: a difference opens one task, however many
    runs see it. Finance resolves it with a note; a later match resolves a missing_at_bank one itself.
    """

    __tablename__ = "payments_reconciliation_task"
    __table_args__ = (Index("ix_payments_reconciliation_task_state", "state", "business_date"),)

    id: Mapped[str] = id_column()
    key: Mapped[str] = mapped_column(String(80), unique=True)
    business_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # missing_at_bank | missing_here | amount_mismatch
    run_id: Mapped[str] = mapped_column(String(36))
    payment_id: Mapped[str | None] = mapped_column(String(36))
    line_id: Mapped[str | None] = mapped_column(String(36))
    reference: Mapped[str] = mapped_column(String(64))  # the acquirer's reference
    billing_code: Mapped[str | None] = mapped_column(String(64))
    our_amount: Mapped[int | None] = mapped_column(BigInteger)
    bank_amount: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(300))


# ---- append-only: the database refuses UPDATE and DELETE of ledger rows (whatever the code does) ----

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION payments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the payments ledger is append-only'
        USING ERRCODE = 'restrict_violation', DETAIL = TG_OP || ' on ' || TG_TABLE_NAME || ' refused';
END
$$
"""


def append_only_triggers(table: str, dialect: str) -> list[str]:
    """The trigger statements that make `table` append-only on PostgreSQL or SQLite."""
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION payments_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION payments_append_only()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the payments ledger is append-only'); END"
        for op in ("UPDATE", "DELETE")
    ]


for _model in (LedgerTransaction, LedgerPosting):
    _table = _model.__table__
    _table.info["append_only"] = True
    event.listen(_table, "before_create", DDL(APPEND_ONLY_FUNCTION).execute_if(dialect="postgresql"))
    for _dialect in ("postgresql", "sqlite"):
        for _statement in append_only_triggers(_table.name, _dialect):
            event.listen(_table, "after_create", DDL(_statement).execute_if(dialect=_dialect))

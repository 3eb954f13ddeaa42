"""payments: the double-entry ledger (transactions and postings), append-only by trigger

Revision ID: 0012_payments_ledger
Revises: 0011_identity_token_cutoff
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from gateway.db import UTCDateTime

revision: str = "0012_payments_ledger"
down_revision: str | None = "0011_identity_token_cutoff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("payments_ledger_transaction", "payments_ledger_posting")

FUNCTION = """
CREATE OR REPLACE FUNCTION payments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the payments ledger is append-only'
        USING ERRCODE = 'restrict_violation', DETAIL = TG_OP || ' on ' || TG_TABLE_NAME || ' refused';
END
$$
"""


def _triggers(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION payments_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION payments_append_only()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_{o.lower()} BEFORE {o} ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the payments ledger is append-only'); END"
        for o in ("UPDATE", "DELETE")
    ]


def upgrade() -> None:
    op.create_table(
        "payments_ledger_transaction",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "source_id", name="uq_payments_ledger_transaction_source"),
    )
    op.create_index(
        "ix_payments_ledger_transaction_booked", "payments_ledger_transaction", ["booked_on", "kind"]
    )
    op.create_index(
        "ix_payments_ledger_transaction_invoice_id", "payments_ledger_transaction", ["invoice_id"]
    )
    op.create_table(
        "payments_ledger_posting",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount <> 0", name="ck_payments_ledger_posting_amount"),
        sa.ForeignKeyConstraint(["transaction_id"], ["payments_ledger_transaction.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payments_ledger_posting_account", "payments_ledger_posting", ["account"])
    op.create_index(
        "ix_payments_ledger_posting_transaction_id", "payments_ledger_posting", ["transaction_id"]
    )
    _post_what_was_recorded_before()
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(FUNCTION)
    for table in TABLES:
        for statement in _triggers(table, dialect):
            op.execute(statement)


def _post_what_was_recorded_before() -> None:
    """Payments and refunds recorded before the ledger existed get their transactions now."""
    bind = op.get_bind()
    local = ZoneInfo("Asia/Jakarta")
    now = datetime.now(UTC)
    txn = sa.table(
        "payments_ledger_transaction",
        *(sa.column(c) for c in ("id", "kind", "source_id", "invoice_id", "memo")),
        sa.column("booked_on", sa.Date()),
        sa.column("created_at", UTCDateTime()),
    )
    leg = sa.table(
        "payments_ledger_posting", *(sa.column(c) for c in ("id", "transaction_id", "account", "amount"))
    )
    moved = bind.execute(sa.text(
        "SELECT p.id, p.invoice_id, p.channel, p.amount, p.paid_at, p.settles, i.purpose, i.billing_code, 'p' "
        "FROM payments_payment p JOIN payments_invoice i ON i.id = p.invoice_id UNION ALL "
        "SELECT r.id, r.invoice_id, 'refund', r.amount, r.created_at, false, i.purpose, i.billing_code, 'r' "
        "FROM payments_refund r JOIN payments_invoice i ON i.id = r.invoice_id"
    )).all()  # fmt: skip
    for source, invoice_id, channel, amount, at, settles, purpose, code, what in moved:
        at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        money_in = "asset:counter_cash" if channel == "counter" else "asset:acquirer_clearing"
        if what == "r":
            kind, legs = "refund", [(f"revenue:{purpose}", amount), ("liability:refunds_payable", -amount)]
        elif settles:
            kind, legs = "payment", [(money_in, amount), (f"revenue:{purpose}", -amount)]
        else:
            kind, legs = "overpayment", [(money_in, amount), ("liability:refunds_payable", -amount)]
        tid = str(uuid.uuid4())
        bind.execute(sa.insert(txn).values(
            id=tid, kind=kind, source_id=source, invoice_id=invoice_id, booked_on=at.astimezone(local).date(),
            memo=f"{code} {kind} (posted when the ledger was introduced)", created_at=now))  # fmt: skip
        for account, value in legs:
            bind.execute(
                sa.insert(leg).values(id=str(uuid.uuid4()), transaction_id=tid, account=account, amount=value)
            )


def downgrade() -> None:
    op.drop_table("payments_ledger_posting")
    op.drop_table("payments_ledger_transaction")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS payments_append_only()")

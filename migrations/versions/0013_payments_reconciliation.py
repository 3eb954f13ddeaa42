"""payments: daily reconciliation — the acquirer's settlement lines, runs, matches and finance's tasks

Revision ID: 0013_payments_reconciliation
Revises: 0012_payments_ledger
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db import UTCDateTime

revision: str = "0013_payments_reconciliation"
down_revision: str | None = "0012_payments_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payments_settlement_line",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("settlement_date", sa.Date(), nullable=False),
        sa.Column("reference_no", sa.String(length=64), nullable=False),
        sa.Column("partner_reference_no", sa.String(length=64), nullable=False),
        sa.Column("paid_time", UTCDateTime(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference_no"),
    )
    op.create_index("ix_payments_settlement_line_date", "payments_settlement_line", ["settlement_date"])
    op.create_table(
        "payments_reconciliation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("report_lines", sa.Integer(), nullable=False),
        sa.Column("newly_matched", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("matched_amount", sa.BigInteger(), nullable=False),
        sa.Column("missing_at_bank", sa.Integer(), nullable=False),
        sa.Column("missing_here", sa.Integer(), nullable=False),
        sa.Column("amount_mismatch", sa.Integer(), nullable=False),
        sa.Column("ledger_transaction_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_payments_reconciliation_date", "payments_reconciliation", ["business_date", "started_at"]
    )
    op.create_table(
        "payments_reconciliation_match",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column("line_id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("line_id"),
        sa.UniqueConstraint("payment_id"),
    )
    op.create_index(
        "ix_payments_reconciliation_match_date", "payments_reconciliation_match", ["business_date"]
    )
    op.create_table(
        "payments_reconciliation_task",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("line_id", sa.String(length=36), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("billing_code", sa.String(length=64), nullable=True),
        sa.Column("our_amount", sa.BigInteger(), nullable=True),
        sa.Column("bank_amount", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolution", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        "ix_payments_reconciliation_task_state", "payments_reconciliation_task", ["state", "business_date"]
    )


def downgrade() -> None:
    op.drop_table("payments_reconciliation_task")
    op.drop_table("payments_reconciliation_match")
    op.drop_table("payments_reconciliation")
    op.drop_table("payments_settlement_line")

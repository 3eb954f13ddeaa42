"""payments: cash and EDC payments at the counter, with a second staff member's confirmation

Revision ID: 0007_payments_counter
Revises: 0006_payments_acquirer
Create Date: 2026-12-02 01:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db import UTCDateTime

revision: str = "0007_payments_counter"
down_revision: str | None = "0006_payments_acquirer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payments_counter_payment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("slip_number", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payments_invoice.id"],
            name=op.f("fk_payments_counter_payment_invoice_id_payments_invoice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_counter_payment")),
        sa.UniqueConstraint("method", "slip_number", name="uq_payments_counter_payment_slip"),
    )
    op.create_index("ix_payments_counter_payment_state", "payments_counter_payment", ["state", "created_at"])
    op.create_index(
        op.f("ix_payments_counter_payment_invoice_id"), "payments_counter_payment", ["invoice_id"]
    )


def downgrade() -> None:
    op.drop_table("payments_counter_payment")

"""payments: invoices, the payments that settle them, refunds

Revision ID: 0004_payments
Revises: 0003_kernel_counter
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db import UTCDateTime

revision: str = "0004_payments"
down_revision: str | None = "0003_kernel_counter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payments_invoice",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("billing_code", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("purpose_ref", sa.String(length=64), nullable=False),
        sa.Column("opd_code", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("amount_refunded", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("payer_resident_id", sa.String(length=36), nullable=True),
        sa.Column("payer_name", sa.String(length=120), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("channel_hint", sa.String(length=10), nullable=True),
        sa.Column("terminal", sa.String(length=25), nullable=True),
        sa.Column("qris_payload", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("qr_shown_at", UTCDateTime(), nullable=True),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_invoice")),
        sa.UniqueConstraint("billing_code", name=op.f("uq_payments_invoice_billing_code")),
    )
    op.create_index("ix_payments_invoice_purpose", "payments_invoice", ["purpose", "purpose_ref"])
    op.create_index("ix_payments_invoice_payer", "payments_invoice", ["payer_resident_id", "created_at"])
    op.create_index("ix_payments_invoice_opd", "payments_invoice", ["opd_code", "state", "created_at"])
    op.create_index("ix_payments_invoice_due", "payments_invoice", ["state", "expires_at"])
    op.create_table(
        "payments_payment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("settles", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payments_invoice.id"],
            name=op.f("fk_payments_payment_invoice_id_payments_invoice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_payment")),
        sa.UniqueConstraint("channel", "reference", name="uq_payments_payment_reference"),
    )
    op.create_index(op.f("ix_payments_payment_invoice_id"), "payments_payment", ["invoice_id"])
    op.create_table(
        "payments_refund",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payments_invoice.id"],
            name=op.f("fk_payments_refund_invoice_id_payments_invoice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_refund")),
    )
    op.create_index(op.f("ix_payments_refund_invoice_id"), "payments_refund", ["invoice_id"])


def downgrade() -> None:
    op.drop_table("payments_refund")
    op.drop_table("payments_payment")
    op.drop_table("payments_invoice")

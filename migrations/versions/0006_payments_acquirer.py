"""payments: every acquirer notification stored raw with its outcome; when the status poll last asked

Revision ID: 0006_payments_acquirer
Revises: 0005_parking
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db import UTCDateTime

revision: str = "0006_payments_acquirer"
down_revision: str | None = "0005_parking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments_invoice") as batch:
        batch.add_column(sa.Column("polled_at", UTCDateTime(), nullable=True))
    op.create_table(
        "payments_notification",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("partner_reference", sa.String(length=64), nullable=True),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_notification")),
    )
    op.create_index("ix_payments_notification_received", "payments_notification", ["outcome", "received_at"])
    op.create_index(op.f("ix_payments_notification_reference"), "payments_notification", ["reference"])
    op.create_index(op.f("ix_payments_notification_invoice_id"), "payments_notification", ["invoice_id"])


def downgrade() -> None:
    op.drop_table("payments_notification")
    with op.batch_alter_table("payments_invoice") as batch:
        batch.drop_column("polled_at")

"""payments: an invoice's QR may carry the caller's reference in 62.05 (a parking visit's reference)

Revision ID: 0010_payments_reference_label
Revises: 0009_permits_workflow
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_payments_reference_label"
down_revision: str | None = "0009_permits_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments_invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference_label", sa.String(length=25), nullable=True))
        batch_op.create_index(batch_op.f("ix_payments_invoice_reference_label"), ["reference_label"])


def downgrade() -> None:
    with op.batch_alter_table("payments_invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_invoice_reference_label"))
        batch_op.drop_column("reference_label")

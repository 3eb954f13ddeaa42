"""payments: an invoice keeps the id of its signed receipt (issued the first time it is asked for)

Revision ID: 0014_payments_receipts
Revises: 0013_payments_reconciliation
Create Date: 2026-12-02 05:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_payments_receipts"
down_revision: str | None = "0013_payments_reconciliation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments_invoice") as batch:
        batch.add_column(sa.Column("receipt_document_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments_invoice") as batch:
        batch.drop_column("receipt_document_id")

"""complaints: extended (MCV) statistics on the officers' queue filter columns (PostgreSQL)

Revision ID: 0015_complaints_queue_statistics
Revises: 0014_payments_receipts
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_complaints_queue_statistics"
down_revision: str | None = "0014_payments_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As services/complaints/models.py declares for create_all (QUEUE_STATISTICS_DDL); spelled out here so
# the migration stays what it was when the model changes.
STATISTICS = "complaints_complaint_queue"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no multivariate statistics; its planner has no such estimate to fix
    op.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) "
        "ON opd_code, category_code, state, overdue FROM complaints_complaint"
    )
    op.execute("ANALYZE complaints_complaint")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")

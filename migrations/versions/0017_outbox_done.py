"""outbox: a job's row is done when the job reported success (dispatched rows are re-checked against RQ)

Revision ID: 0017_outbox_done
Revises: 0016_parking_outside_zone
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gateway.db

revision: str = "0017_outbox_done"
down_revision: str | None = "0016_parking_outside_zone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_at", gateway.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_job_done_at"), ["done_at"], unique=False)
    # Rows dispatched before this revision ran long ago: they count as done.
    op.execute("UPDATE outbox_job SET done_at = dispatched_at WHERE dispatched_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_job_done_at"))
        batch_op.drop_column("done_at")

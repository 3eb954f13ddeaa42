"""permits workflow: the clock's pause on an application, the order of history rows, the sweep's marks

Revision ID: 0009_permits_workflow
Revises: 0008_parking_payments
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gateway.db

revision: str = "0009_permits_workflow"
down_revision: str | None = "0008_parking_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("permits_application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("step_started_at", gateway.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("paused_at", gateway.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("permits_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.create_table(
        "permits_sla_mark",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("step", sa.String(length=60), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["permits_application.id"],
            name=op.f("fk_permits_sla_mark_application_id_permits_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permits_sla_mark")),
        sa.UniqueConstraint("application_id", "step", name="uq_permits_sla_mark"),
    )


def downgrade() -> None:
    op.drop_table("permits_sla_mark")
    with op.batch_alter_table("permits_history", schema=None) as batch_op:
        batch_op.drop_column("seq")
    with op.batch_alter_table("permits_application", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("paused_at")
        batch_op.drop_column("step_started_at")

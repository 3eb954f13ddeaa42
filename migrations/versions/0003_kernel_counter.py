"""kernel counters: one kernel_counter(scope, key, value) for adminduk's and complaints' serials

Revision ID: 0003_kernel_counter
Revises: 0002_permits
Create Date: 2026-12-01 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0003_kernel_counter"
down_revision: str | None = "0002_permits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kernel_counter",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_kernel_counter")),
    )
    # The serials already handed out carry over: a number is never issued twice.
    op.execute(
        "INSERT INTO kernel_counter (scope, key, value) SELECT 'adminduk', key, value FROM adminduk_counter"
    )
    days = sa.table(
        "complaints_number_counter", sa.column("day", sa.Date), sa.column("last_serial", sa.Integer)
    )
    rows = op.get_bind().execute(sa.select(days.c.day, days.c.last_serial)).all()
    if rows:
        counters = sa.table(
            "kernel_counter", sa.column("scope"), sa.column("key"), sa.column("value", sa.Integer)
        )
        op.bulk_insert(
            counters,
            [{"scope": "complaints", "key": day.isoformat(), "value": serial} for day, serial in rows],
        )
    op.drop_table("complaints_number_counter")
    op.drop_table("adminduk_counter")


def downgrade() -> None:
    op.create_table(
        "adminduk_counter",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_adminduk_counter")),
    )
    op.create_table(
        "complaints_number_counter",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_complaints_number_counter")),
    )
    op.execute(
        "INSERT INTO adminduk_counter (key, value) SELECT key, value FROM kernel_counter WHERE scope = 'adminduk'"
    )
    rows = (
        op.get_bind()
        .execute(sa.text("SELECT key, value FROM kernel_counter WHERE scope = 'complaints'"))
        .all()
    )
    if rows:
        days = sa.table(
            "complaints_number_counter", sa.column("day", sa.Date), sa.column("last_serial", sa.Integer)
        )
        op.bulk_insert(days, [{"day": date.fromisoformat(key), "last_serial": value} for key, value in rows])
    op.drop_table("kernel_counter")

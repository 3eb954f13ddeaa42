"""identity_resident: the KK fields the real card prints (blood type, marriage date, citizenship,
passport/KITAS, parents' names) and the order of birth that sorts twins

Revision ID: 0018_resident_kk_fields
Revises: 0017_outbox_done
Create Date: 2026-12-02 06:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_resident_kk_fields"
down_revision: str | None = "0017_outbox_done"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_resident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blood_type", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("marriage_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("citizenship", sa.String(length=3), nullable=False, server_default="WNI")
        )
        batch_op.add_column(sa.Column("passport_number", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("kitas_number", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("father_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("mother_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("birth_order", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("identity_resident", schema=None) as batch_op:
        batch_op.alter_column("citizenship", server_default=None)
        batch_op.alter_column("birth_order", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("identity_resident", schema=None) as batch_op:
        for column in (
            "birth_order",
            "mother_name",
            "father_name",
            "kitas_number",
            "passport_number",
            "citizenship",
            "marriage_date",
            "blood_type",
        ):
            batch_op.drop_column(column)

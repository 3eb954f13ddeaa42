"""identity: access tokens cut off per account (closed, disabled, password reset); password-reset
decoy challenges without a resident

Revision ID: 0011_identity_token_cutoff
Revises: 0010_payments_reference_label
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_identity_token_cutoff"
down_revision: str | None = "0010_payments_reference_label"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_token_cutoff",
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("cutoff_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id"),
    )
    with op.batch_alter_table("identity_otp_challenge", schema=None) as batch_op:
        batch_op.alter_column("resident_id", existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM identity_otp_challenge WHERE resident_id IS NULL")
    with op.batch_alter_table("identity_otp_challenge", schema=None) as batch_op:
        batch_op.alter_column("resident_id", existing_type=sa.String(length=36), nullable=False)
    op.drop_table("identity_token_cutoff")

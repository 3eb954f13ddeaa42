"""parking: a visit says once, at its start, whether it was recorded outside its zone's polygon

Revision ID: 0016_parking_outside_zone
Revises: 0015_complaints_queue_statistics
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.parking import geo

revision: str = "0016_parking_outside_zone"
down_revision: str | None = "0015_complaints_queue_statistics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("parking_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outside_zone", sa.Boolean(), nullable=True))
    # Visits recorded before: measured now against their zone's polygon, as a new visit is at its start.
    bind = op.get_bind()
    shapes = {
        code: geo.polygons(json.loads(geometry) if isinstance(geometry, str) else geometry)
        for code, geometry in bind.execute(sa.text("SELECT code, geometry FROM parking_zone"))
    }
    visits = bind.execute(
        sa.text(
            "SELECT id, zone_code, lat, lon FROM parking_session WHERE lat IS NOT NULL AND lon IS NOT NULL"
        )
    ).all()
    update = sa.text("UPDATE parking_session SET outside_zone = :outside WHERE id = :id")
    for visit_id, zone_code, lat, lon in visits:
        if zone_code in shapes:
            outside = geo.distance_to(shapes[zone_code], lat, lon) > geo.OUTSIDE_METRES
            bind.execute(update, {"outside": outside, "id": visit_id})


def downgrade() -> None:
    with op.batch_alter_table("parking_session", schema=None) as batch_op:
        batch_op.drop_column("outside_zone")

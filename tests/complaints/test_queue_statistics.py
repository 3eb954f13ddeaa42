"""The officers' queue filter columns carry extended statistics on PostgreSQL (migration 0015 and
create_all alike), so the planner estimates `overdue&category` from their real combinations."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.complaints.models import QUEUE_STATISTICS
from tests.conftest import DATABASE_URL

postgres_only = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"), reason="extended statistics exist only on PostgreSQL"
)


@postgres_only
def test_queue_columns_have_mcv_statistics(app):
    with app.app_context():
        engine = app.extensions["database"].engine
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT s.stxkind, array_agg(a.attname::text ORDER BY a.attname) FROM pg_statistic_ext s "
                    "JOIN pg_attribute a ON a.attrelid = s.stxrelid AND a.attnum = ANY(s.stxkeys) "
                    "WHERE s.stxname = :name AND s.stxrelid = 'complaints_complaint'::regclass GROUP BY s.stxkind"
                ),
                {"name": QUEUE_STATISTICS},
            ).one()
    assert row[0] == ["m"]
    assert row[1] == ["category_code", "opd_code", "overdue", "state"]

"""The Alembic migrations build the whole schema, on SQLite and PostgreSQL, exactly as the models say."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text

from gateway.db import Base

ROOT = Path(__file__).resolve().parents[2]


def _alembic(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _fresh_database(app, tmp_path) -> tuple[str, object]:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}", None
    name = f"migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(app, tmp_path):
    url, drop = _fresh_database(app, tmp_path)
    try:
        cfg = _alembic(url)
        command.upgrade(cfg, "head")
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata
            )
        assert diff == [], f"models and migrations differ: {diff}"
        if engine.dialect.name == "postgresql":  # what compare_metadata cannot see: extended statistics
            with engine.connect() as conn:
                stats = set(conn.execute(text("SELECT stxname FROM pg_statistic_ext")).scalars())
            assert "complaints_complaint_queue" in stats
        command.downgrade(cfg, "base")
        with engine.connect() as conn:
            tables = set(conn.dialect.get_table_names(conn))
        assert tables <= {"alembic_version"}
        engine.dispose()
    finally:
        if drop:
            drop()

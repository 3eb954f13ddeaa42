"""Database helpers for the benchmarks. A long-lived benchmark database is kept in step with the models:
tables whose columns drifted (another engineer added or renamed one since the database was created)
are dropped and created again and missing indexes are built, so a benchmark never runs against a stale
schema and never reseeds because an unrelated table changed. Plus a sampler of what sessions wait on."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import threading

from common import ROOT
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine


def load_models(env: dict[str, str]):  # noqa: ANN201 - returns the declarative MetaData
    """Import every table module (gateway kernel and each service) the way migrations/env.py does."""
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "REDIS_URL", "APP_ENV")})
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import gateway.app  # noqa: F401
    import gateway.documents  # noqa: F401
    import gateway.identity.models  # noqa: F401
    import services
    from gateway.db import Base

    for service in services.MODULES:
        package = importlib.import_module(f"services.{service.name}")
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module.name.rpartition(".")[2].endswith("models"):
                importlib.import_module(module.name)
    return Base.metadata


def drifted_tables(engine: Engine, env: dict[str, str]) -> list[str]:
    """Tables that exist in the database with other columns than the models declare."""
    metadata = load_models(env)
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    drifted = []
    for table in metadata.sorted_tables:
        if table.name not in existing:
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        if have != {c.name for c in table.columns}:
            drifted.append(table.name)
    return drifted


def drop_tables(engine: Engine, names: list[str], env: dict[str, str]) -> list[str]:
    """Drop the tables and every table whose foreign keys point at them (so create-schema restores
    those constraints too); returns what was dropped."""
    metadata = load_models(env)
    doomed = set(names)
    grew = True
    while grew:
        grew = False
        for table in metadata.sorted_tables:
            if table.name not in doomed and any(fk.column.table.name in doomed for fk in table.foreign_keys):
                doomed.add(table.name)
                grew = True
    with engine.begin() as conn:
        for name in sorted(doomed):
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    return sorted(doomed)


def create_missing_indexes(engine: Engine, env: dict[str, str]) -> list[str]:
    """Indexes the models declare that an existing table lacks (create_all skips existing tables)."""
    metadata = load_models(env)
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    made = []
    for table in metadata.sorted_tables:
        if table.name not in existing:
            continue
        have = {ix["name"] for ix in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in have:
                index.create(engine)
                made.append(index.name)
    return made


class WaitSampler(threading.Thread):
    """Samples what the database's active sessions wait on (every 100 ms) while the load runs."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.stop = threading.Event()
        self.samples = 0
        self.counts: dict[str, int] = {}

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.wait(0.1):
                rows = conn.execute(
                    text(
                        "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') FROM pg_stat_activity "
                        "WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"
                    )
                ).scalars()
                self.samples += 1
                for what in rows:
                    self.counts[what] = self.counts.get(what, 0) + 1
                conn.rollback()

    def summary(self) -> str:
        """Average number of sessions in each state, the largest first."""
        top = sorted(self.counts.items(), key=lambda kv: -kv[1])[:4]
        return ", ".join(f"{what} {count / max(self.samples, 1):.2f}" for what, count in top) or "none"

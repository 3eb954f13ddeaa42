"""Engine, session, declarative Base and the UnitOfWork every use case runs in."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import JSON, DateTime, MetaData, String, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from gateway.kernel import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, aware UTC: the kernel clock (gateway.kernel.clock.now), so a test that freezes it moves
    every default timestamp too."""
    return clock.now()


def new_id() -> str:
    """Public ids are random (never sequential integers in URLs)."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


def id_column() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


class Database:
    """One engine and session factory per app; stored in app.extensions['database']."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            # pool_recycle instead of pre-ping: a pre-ping costs a round trip on every checkout
            kwargs.update(pool_size=10, max_overflow=10, pool_recycle=1800)
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False, future=True)
        # Read-only use cases on hot paths skip BEGIN/ROLLBACK round trips (same pool).
        self.read_sessions = sessionmaker(
            bind=self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            future=True,
        )
        # RQ forks a work-horse per job: the child must not reuse the parent's pooled connections.
        os.register_at_fork(after_in_child=lambda: self.engine.dispose(close=False))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def get_database() -> Database:
    if not has_app_context():
        raise RuntimeError("no app context: run inside create_app().app_context()")
    return current_app.extensions["database"]


def session_of(uow: UnitOfWork) -> Session:
    """The open session of `uow` (use cases run inside `with uow:`)."""
    assert uow.session is not None
    return uow.session


class UnitOfWork:
    """A transaction: everything written inside commits or rolls back together.

    Side effects (jobs, events) are recorded through the uow and only released after commit,
    so nothing happens for a transaction that rolled back.
    """

    def __init__(self, database: Database | None = None, *, read_only: bool = False) -> None:
        self.database = database or get_database()
        self.read_only = read_only
        self.session: Session | None = None
        self._after_commit: list[Callable[[], None]] = []
        self.outbox_ids: list[str] = []  # jobs recorded in this transaction, relayed after commit

    def __enter__(self) -> UnitOfWork:
        factory = self.database.read_sessions if self.read_only else self.database.sessions
        self.session = factory()
        self._after_commit = []
        self.outbox_ids = []
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self.session is not None
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            # close() also rolls back anything uncommitted, but keeps loaded objects readable
            self.session.close()
            self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def flush(self) -> None:
        assert self.session is not None
        self.session.flush()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    @property
    def is_postgres(self) -> bool:
        return self.database.is_postgres


def insert_once(uow: UnitOfWork, model: Any, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (a new id added): True if the row was new. No savepoint, so the
    transaction stays whole (on SQLite a savepoint that opens a transaction commits on release)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert = postgresql.insert if uow.is_postgres else sqlite.insert
    table = model.__table__
    stmt = dialect_insert(table).values(id=new_id(), **values).on_conflict_do_nothing().returning(table.c.id)
    return session_of(uow).execute(stmt).first() is not None

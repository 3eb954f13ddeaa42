"""Engine, session, declarative Base and the UnitOfWork every use case runs in."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
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
        # Read-only use cases on hot paths skip BEGIN/ROLLBACK round trips. On PostgreSQL they get a pool
        # of their own whose connections are in autocommit from the start: switching a shared pool's
        # connection to AUTOCOMMIT and back on every checkout cost more than /me's query itself.
        self.read_engine: Engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if url.startswith("sqlite")
            else create_engine(url, isolation_level="AUTOCOMMIT", **{**kwargs, "pool_size": 5})
        )
        self.read_sessions = sessionmaker(bind=self.read_engine, expire_on_commit=False, future=True)
        # RQ forks a work-horse per job: the child must not reuse the parent's pooled connections.
        os.register_at_fork(after_in_child=self._dispose_in_child)

    def _dispose_in_child(self) -> None:
        self.engine.dispose(close=False)
        if self.read_engine is not self.engine:
            self.read_engine.dispose(close=False)

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


class CommitHold:
    """One request's write transaction, held open after the use case "commits" so the gateway's record
    of the answer (the Idempotency-Key's stored response) commits with the change itself: one commit,
    one WAL flush, and no key claimed without its answer. Opened by `gateway.idempotency` for endpoints
    marked `in_one_transaction`; `release(commit=…)` ends it at the end of the request."""

    def __init__(self) -> None:
        self.uow: UnitOfWork | None = None

    def take(self, uow: UnitOfWork) -> bool:
        """Called by UnitOfWork.commit(): flush instead of committing if this request holds its commit."""
        if uow.read_only:
            return False
        if self.uow is not None and self.uow is not uow:
            raise RuntimeError("a second write transaction in a request whose commit is held")
        assert uow.session is not None
        uow.session.flush()
        self.uow = uow
        return True

    def release(self, *, commit: bool) -> None:
        """Commit (then run the after-commit callbacks: outbox relay, …) or roll back, and close."""
        uow, self.uow = self.uow, None
        if uow is None or uow.session is None:
            return
        try:
            if commit:
                uow.session.commit()
            else:
                uow.session.rollback()
        finally:
            uow.session.close()
            uow.session = None
        callbacks, uow._after_commit = uow._after_commit, []
        for callback in callbacks if commit else ():
            callback()


ONE_TRANSACTION = "runs_in_one_transaction"


def in_one_transaction(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a POST view whose use case runs in one write transaction: the gateway writes its
    Idempotency-Key answer in that same transaction (CommitHold), so the request commits once instead
    of claiming the key, committing the change and storing the answer in three transactions. Retries
    still never create twice: a concurrent twin fails on the key's primary key and rolls back whole."""
    setattr(view, ONE_TRANSACTION, True)
    return view


def held_commit() -> CommitHold | None:
    """The commit hold of the current request, if its endpoint runs in one transaction."""
    return g.get("commit_hold") if has_request_context() else None


class UnitOfWork:
    """A transaction: everything written inside commits or rolls back together.

    Side effects (jobs, events) are recorded through the uow and only released after commit,
    so nothing happens for a transaction that rolled back. In a request whose commit is held
    (CommitHold) commit() only flushes; the request's end commits.
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
        hold = held_commit()
        if hold is not None and hold.uow is self:
            if exc_type is None:
                return  # stays open: the request's end commits it with the answer
            hold.uow = None
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            # close() also rolls back anything uncommitted, but keeps loaded objects readable
            self.session.close()
            self.session = None

    def commit(self) -> None:
        assert self.session is not None
        hold = held_commit()
        if hold is not None and hold.take(self):
            return
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

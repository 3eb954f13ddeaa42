"""Counters: next_value(uow, scope, key) — gap-free serials, safe under concurrency on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UnitOfWork


class Counter(Base):
    """One serial per (scope, key): a service's name and what it counts (a NIK prefix, a day …)."""

    __tablename__ = "kernel_counter"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


def next_value(uow: UnitOfWork, scope: str, key: str, *, start: int | Any = 1, floor: Any = None) -> int:
    """Increment counter (scope, key), creating it at `start`, and return the new value.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING: on PostgreSQL the row stays locked until our
    transaction ends, so a concurrent caller of the same key waits and then sees our value; on SQLite
    the write takes the database lock for the same effect. `floor` (a SQL expression, usually the same
    as `start`) is a lowest value the increment must reach, so a serial used elsewhere is never handed out.
    """
    assert uow.session is not None
    dialect = postgresql if uow.is_postgres else sqlite
    table = Counter.__table__
    stmt = dialect.insert(table).values(scope=scope, key=key, value=start)
    increment: Any = table.c.value + 1
    if floor is not None:
        increment = (func.greatest if uow.is_postgres else func.max)(increment, stmt.excluded.value)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.scope, table.c.key], set_={"value": increment})
    return int(uow.session.execute(stmt.returning(table.c.value)).scalar_one())


def current_value(uow: UnitOfWork, scope: str, key: str) -> int:
    """The last value handed out (0 when none was)."""
    assert uow.session is not None
    stmt = select(Counter.value).where(Counter.scope == scope, Counter.key == key)
    return uow.session.scalar(stmt) or 0

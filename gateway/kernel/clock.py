"""The city's clock: now() (frozen in tests with `frozen()`), the local time zone from config, local dates.

Every rule that depends on the time asks this module, so a test can set the time for everything at once
(`with clock.frozen(at): …`) and the time zone comes from one setting (TZ_LOCAL, Asia/Jakarta).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Jakarta"
_frozen: ContextVar[datetime | None] = ContextVar("clock_frozen", default=None)


def now() -> datetime:
    """The current moment, aware, in UTC (or the moment a test froze)."""
    return _frozen.get() or datetime.now(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Within the block, now() answers `at` (must be aware)."""
    if at.tzinfo is None:
        raise ValueError("freeze the clock at an aware datetime")
    token = _frozen.set(at.astimezone(UTC))
    try:
        yield at
    finally:
        _frozen.reset(token)


def local_tz() -> ZoneInfo:
    """The city's time zone: config TZ_LOCAL (Asia/Jakarta; also outside an app, e.g. in migrations)."""
    name = current_app.config.get("TZ_LOCAL", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def local(moment: datetime) -> datetime:
    """`moment` on the city's wall clock."""
    return moment.astimezone(local_tz())


def local_today(at: datetime | None = None) -> date:
    """The city's date now (or at `at`)."""
    return local(at or now()).date()

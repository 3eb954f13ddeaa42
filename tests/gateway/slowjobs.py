"""Test-only jobs, importable by a real worker process (PYTHONPATH = the project root)."""

from __future__ import annotations

import os
import time

from sqlalchemy import select

from gateway import notify
from gateway import queue as q
from gateway.db import UnitOfWork
from gateway.identity.models import Resident


def note(marker: str, resident_id: str) -> None:
    """Put an inbox item saying whether this job could see its resident's committed row."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        seen = uow.session.scalar(select(Resident.id).where(Resident.id == resident_id)) is not None
        notify.inbox(
            uow,
            resident_id=resident_id,
            kind="test",
            title="seen" if seen else "not-seen",
            body=marker,
            dedupe_key=marker,
        )
        uow.commit()


def slow_mark(key: str, seconds: float) -> None:
    """Record the work horse's pid, block (until `{key}:fast` is set), then mark the job done."""
    connection = q.redis_connection()
    assert connection is not None
    connection.set(f"{key}:pid", os.getpid())
    connection.incr(f"{key}:starts")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not connection.exists(f"{key}:fast"):
        time.sleep(0.1)
    connection.set(f"{key}:done", "1")


def needs_resident(resident_id: str) -> None:
    """Fails until its resident exists (a job that can fail now and succeed when re-run)."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        if uow.session.get(Resident, resident_id) is None:
            raise LookupError("resident not there yet")
        notify.inbox(
            uow,
            resident_id=resident_id,
            kind="test",
            title="ran",
            body="needs_resident ran",
            dedupe_key=f"needs:{resident_id}",
        )
        uow.commit()


def on_event(event: str, birth_id: str) -> None:
    """Subscriber used by the event tests: remember which event arrived, in Redis or nowhere."""
    connection = q.redis_connection()
    if connection is not None:
        connection.rpush("test:events", f"{event}:{birth_id}")

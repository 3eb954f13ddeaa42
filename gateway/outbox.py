"""Transactional outbox: jobs are written with the change and relayed to RQ only after commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from gateway import queue as q
from gateway.db import Base, Database, UnitOfWork, get_database, id_column, new_id, utcnow

log = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(seconds=5)
RECHECK_AFTER = timedelta(minutes=5)
"""A dispatched job not done after this long is looked up in RQ: when Redis no longer knows it (restarted
empty, flushed, evicted), it is dispatched again. Jobs are idempotent, so a re-run changes nothing."""
RETRY = q.RETRY
"""The back-off every job gets (RQ retries a failed job after each delay): services size their own
attempt counts by it instead of reaching into the queue."""


class OutboxJob(Base):
    __tablename__ = "outbox_job"

    id: Mapped[str] = id_column()
    job: Mapped[str] = mapped_column(String(200))
    kwargs: Mapped[dict] = mapped_column(default=dict)
    queue: Mapped[str] = mapped_column(String(40), default="default")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(index=True)
    # Set when the job reported success; a dispatched row without it is re-checked against RQ (RECHECK_AFTER).
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def enqueue(uow: UnitOfWork, job: Callable[..., Any], **kwargs: Any) -> OutboxJob:
    """Record a job (a function reference) in this transaction; it is released to the queue after commit.

    All jobs of one commit are relayed together, in one call after that commit.
    """
    assert uow.session is not None
    row = OutboxJob(id=new_id(), job=q.job_path(job), kwargs=kwargs)
    uow.session.add(row)
    if not uow.outbox_ids:
        pending = uow.outbox_ids
        database = uow.database
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def _relay() -> None:
            ids = list(pending)
            pending.clear()
            with app.app_context():
                relay(database, ids=ids)

        uow.after_commit(_relay)
    uow.outbox_ids.append(row.id)
    return row


def relay(database: Database | None = None, *, ids: list[str] | None = None) -> int:
    """Move pending outbox rows to RQ (or run them in-process); returns how many were dispatched.

    Called right after a commit for that commit's rows, and by the periodic sweep for anything
    left behind (Redis down, process died between commit and relay).
    """
    database = database or get_database()
    connection = q.redis_connection()
    with UnitOfWork(database) as uow:
        assert uow.session is not None
        if database.is_postgres and connection is not None:
            # The mark is advisory: lost in a database crash, the row is pushed again under the same
            # RQ job id (jobs are idempotent). So this commit need not wait for its WAL flush, which
            # was the hot paths' top database wait (each request's change itself stays durable).
            uow.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        stmt = select(OutboxJob).where(OutboxJob.dispatched_at.is_(None)).order_by(OutboxJob.created_at)
        if ids:
            stmt = stmt.where(OutboxJob.id.in_(ids))
        else:
            # In-process failures are retried by the sweep up to the queue's retry budget; after that
            # they stay listed at /api/v1/admin/jobs/failed until an admin re-runs them.
            stmt = stmt.where(
                OutboxJob.created_at < utcnow() - SWEEP_GRACE, OutboxJob.attempts <= len(q.RETRY)
            ).limit(500)
        if database.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(uow.session.scalars(stmt))
        if connection is None:
            pending = [(r.id, r.job, dict(r.kwargs)) for r in rows]
            uow.commit()
            return _run_inline(database, pending)
        done = 0
        for row in rows:
            try:
                q.enqueue(
                    row.job,
                    row.kwargs,
                    job_id=f"outbox-{row.id}",
                    queue_name=row.queue,
                    connection=connection,
                    on_success="gateway.outbox.job_done",
                )
            except Exception as exc:  # Redis unreachable: the sweep will try again
                log.warning("outbox relay: enqueue failed, will retry", extra={"outbox_id": row.id})
                row.attempts += 1
                row.last_error = f"enqueue: {type(exc).__name__}"
                break
            row.dispatched_at = utcnow()
            done += 1
        uow.commit()
        return done


def _run_inline(database: Database, pending: list[tuple[str, str, dict]]) -> int:
    """Embedded mode: the same job functions, run synchronously after the commit."""
    done = 0
    for row_id, job, kwargs in pending:
        error = None
        try:
            q.resolve(job)(**kwargs)
        except Exception as exc:
            log.exception("in-process job failed", extra={"job": job})
            error = f"{type(exc).__name__}: {exc}"[:2000]
        with UnitOfWork(database) as uow:
            assert uow.session is not None
            row = uow.session.get(OutboxJob, row_id)
            if row is not None:
                row.attempts += 1
                if error is None:
                    row.dispatched_at = row.done_at = utcnow()
                    row.last_error = None
                    done += 1
                else:
                    row.last_error = error
            uow.commit()
    return done


def job_done(job: Any, connection: Any, result: Any, *args: Any, **kwargs: Any) -> None:
    """RQ success callback (in the worker, inside the app context): the outbox row is done."""
    row_id = job.id.removeprefix("outbox-")
    try:
        with UnitOfWork(get_database()) as uow:
            assert uow.session is not None
            row = uow.session.get(OutboxJob, row_id)
            if row is not None and row.done_at is None:
                row.done_at = utcnow()
                uow.commit()
    except Exception:  # the job itself succeeded; the recheck finds it finished in RQ and marks it
        log.warning("outbox: could not mark a finished job done", extra={"outbox_id": row_id})


def recheck(database: Database | None = None) -> int:
    """Dispatched rows not done after RECHECK_AFTER: marked done when RQ says finished, dispatched again
    when RQ no longer knows the job (Redis lost its data); returns how many were dispatched again."""
    database = database or get_database()
    connection = q.redis_connection()
    if connection is None:
        return 0
    with UnitOfWork(database) as uow:
        assert uow.session is not None
        stmt = (
            select(OutboxJob)
            .where(
                OutboxJob.done_at.is_(None),
                OutboxJob.dispatched_at.is_not(None),
                OutboxJob.dispatched_at < utcnow() - RECHECK_AFTER,
            )
            .order_by(OutboxJob.dispatched_at)
            .limit(500)
        )
        if database.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(uow.session.scalars(stmt))
        if not rows:
            return 0
        status = q.jobs_in_redis([f"outbox-{row.id}" for row in rows], connection)
        lost: list[str] = []
        for row in rows:
            known = status[f"outbox-{row.id}"]
            if known == "finished":
                row.done_at = utcnow()
            elif known is None:
                log.warning("outbox: job lost from Redis, dispatching it again", extra={"outbox_id": row.id})
                row.dispatched_at, row.attempts = None, row.attempts + 1
                lost.append(row.id)
        uow.commit()
    return relay(database, ids=lost) if lost else 0


def sweep() -> int:
    """Periodic job: relay whatever a crash or a Redis outage left in the outbox, and dispatch again
    what Redis lost."""
    return relay() + recheck()


def pending_count(database: Database) -> int:
    from sqlalchemy import func

    with UnitOfWork(database) as uow:
        assert uow.session is not None
        return (
            uow.session.scalar(
                select(func.count()).select_from(OutboxJob).where(OutboxJob.dispatched_at.is_(None))
            )
            or 0
        )


def inline_failures(database: Database) -> list[OutboxJob]:
    with UnitOfWork(database) as uow:
        assert uow.session is not None
        stmt = select(OutboxJob).where(OutboxJob.dispatched_at.is_(None), OutboxJob.last_error.is_not(None))
        return list(uow.session.scalars(stmt.order_by(OutboxJob.created_at).limit(200)))

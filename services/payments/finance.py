"""Finance's use cases of reconciliation: run a day on demand, read a day (JSON or CSV), the tasks.

Only finance and admins call these (`principal.require_role`); the daily job calls
reconciliation.daily directly.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import select, update

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.payments import metrics, reconciliation
from services.payments import models as m
from services.payments.errors import ReconciliationTaskNotFound, ReconciliationTaskResolved
from services.payments.service import READ_ALL, page


def run_now(uow: UnitOfWork, *, principal: Principal, day: date) -> m.Reconciliation:
    """Reconcile a day now (any day up to today; matching twice is impossible, so re-running is safe)."""
    principal.require_role(*READ_ALL)
    return reconciliation.run(uow, day=day, trigger="on_demand", requested_by=principal.id)


def day_report(uow: UnitOfWork, *, principal: Principal, day: date) -> dict[str, Any]:
    """The day's figures, its runs (newest first) and its differences (open and resolved)."""
    principal.require_role(*READ_ALL)
    with uow:
        session = session_of(uow)
        runs = list(
            session.scalars(
                select(m.Reconciliation)
                .where(m.Reconciliation.business_date == day)
                .order_by(m.Reconciliation.started_at.desc(), m.Reconciliation.id)
            )
        )
        tasks = list(
            session.scalars(
                select(m.ReconciliationTask)
                .where(m.ReconciliationTask.business_date == day)
                .order_by(m.ReconciliationTask.kind, m.ReconciliationTask.reference)
            )
        )
        figures = reconciliation.figures(session, day)
        differences = sum(figures[k] for k in reconciliation.KINDS)
        return {"date": day, "reconciled": bool(runs), "differences": differences, **figures,
                "runs": runs, "tasks": tasks}  # fmt: skip


def day_csv(uow: UnitOfWork, *, principal: Principal, day: date) -> str:
    """Every item of the day as CSV: matched rows, then the differences."""
    principal.require_role(*READ_ALL)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    with uow:
        writer.writerows(reconciliation.rows_for_csv(session_of(uow), day))
    return out.getvalue()


def list_runs(uow: UnitOfWork, *, principal: Principal, limit: int, offset: int) -> tuple[list, int]:
    principal.require_role(*READ_ALL)
    with uow:
        order = (m.Reconciliation.started_at.desc(), m.Reconciliation.id)
        return page(uow, select(m.Reconciliation), order, limit=limit, offset=offset)


def list_tasks(
    uow: UnitOfWork,
    *,
    principal: Principal,
    state: str | None,
    kind: str | None,
    day: date | None,
    limit: int,
    offset: int,
) -> tuple[list, int]:
    """Finance's reconciliation tasks, oldest day first (open ones are the work list)."""
    principal.require_role(*READ_ALL)
    with uow:
        stmt = select(m.ReconciliationTask)
        if state:
            stmt = stmt.where(m.ReconciliationTask.state == state)
        if kind:
            stmt = stmt.where(m.ReconciliationTask.kind == kind)
        if day:
            stmt = stmt.where(m.ReconciliationTask.business_date == day)
        order = (m.ReconciliationTask.business_date, m.ReconciliationTask.opened_at, m.ReconciliationTask.id)
        rows, total = page(uow, stmt, order, limit=limit, offset=offset)
    metrics.OPEN_TASKS.set(reconciliation.open_task_count(uow))
    return rows, total


def resolve_task(
    uow: UnitOfWork, *, principal: Principal, task_id: str, resolution: str
) -> m.ReconciliationTask:
    """Finance closes a difference with what was found and done (once)."""
    principal.require_role(*READ_ALL)
    with uow:
        session = session_of(uow)
        task = session.get(m.ReconciliationTask, task_id)
        if task is None:
            raise ReconciliationTaskNotFound("No such reconciliation task")
        done = session.execute(
            update(m.ReconciliationTask)
            .where(m.ReconciliationTask.id == task_id, m.ReconciliationTask.state == "open")
            .values(
                state="resolved", resolved_at=clock.now(), resolved_by=principal.id, resolution=resolution
            )
        )
        if done.rowcount != 1:
            raise ReconciliationTaskResolved("The task was resolved already", extra={"state": "resolved"})
        uow.commit()
    with uow:
        task = session_of(uow).get(m.ReconciliationTask, task_id)
        assert task is not None
    metrics.OPEN_TASKS.set(reconciliation.open_task_count(uow))
    return task

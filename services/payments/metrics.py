"""Prometheus gauges of reconciliation: the last reconciled day's figures and the open tasks.

Set by every run (the daily job in the worker, an on-demand run in the web process) and when finance
reads the tasks; `multiprocess_mode="mostrecent"` keeps the newest value across gunicorn workers.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Gauge

DIFFERENCES = Gauge(
    "payments_reconciliation_differences",
    "Open differences of the last reconciled day, by kind (missing_at_bank, missing_here, amount_mismatch)",
    ["kind"],
    multiprocess_mode="mostrecent",
)
MATCHED = Gauge(
    "payments_reconciliation_matched",
    "Payments of the last reconciled day matched with the acquirer's settlement report",
    multiprocess_mode="mostrecent",
)
OPEN_TASKS = Gauge(
    "payments_reconciliation_open_tasks",
    "Reconciliation tasks finance has not resolved yet (every day)",
    multiprocess_mode="mostrecent",
)


def publish(run: Any, *, open_tasks: int) -> None:
    for kind in ("missing_at_bank", "missing_here", "amount_mismatch"):
        DIFFERENCES.labels(kind).set(getattr(run, kind))
    MATCHED.set(run.matched)
    OPEN_TASKS.set(open_tasks)

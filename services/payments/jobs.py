"""Payment jobs: ids in (or none), their own unit of work, idempotent."""

from __future__ import annotations

import logging

from gateway.db import UnitOfWork
from services.payments import polling, reconciliation, service
from services.payments.errors import SettlementReportUnavailable

logger = logging.getLogger(__name__)


def expire_invoices(**_: object) -> int:
    """Expire the open invoices past their expires_at (each once, even when two sweeps overlap)."""
    total = 0
    while True:
        with UnitOfWork() as uow:
            expired = service.expire_due(uow, limit=500)
            uow.commit()
        total += expired
        if expired < 500:
            return total


def poll_acquirer(**_: object) -> dict[str, int]:
    """Ask the acquirer about invoices whose QR was shown a while ago and that are still unpaid."""
    return polling.poll()


def reconcile_daily(**_: object) -> None:
    """Hourly: yesterday's reconciliation, once, as soon as the acquirer's report can be had."""
    try:
        reconciliation.daily(UnitOfWork())
    except SettlementReportUnavailable as err:  # not published yet: the next hour asks again
        logger.info("payments reconciliation: %s", err.message)

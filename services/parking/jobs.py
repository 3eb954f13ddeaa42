"""Parking jobs: ids in (or none), their own UnitOfWork, safe to run twice."""

from __future__ import annotations

from gateway.db import UnitOfWork
from gateway.kernel.settings import setting
from services.parking import service


def pseudonymise() -> None:
    """Hourly: plates, photos and locations of visits older than PARKING_RETENTION_DAYS are emptied."""
    service.pseudonymise(UnitOfWork(), retention_days=int(setting("PARKING_RETENTION_DAYS")))


def on_invoice_paid(event: str, invoice_id: str, purpose: str, purpose_ref: str, **_: object) -> None:
    """payments.invoice_paid: the only way a visit becomes paid or a subscription starts (idempotent)."""
    if purpose != service.PAYMENT_PURPOSE:
        return
    service.invoice_paid(UnitOfWork(), invoice_id=invoice_id, purpose_ref=purpose_ref)


def reconcile_nightly() -> None:
    """Hourly; the first run after local midnight reconciles yesterday per attendant, zone and device."""
    service.run_nightly(UnitOfWork())


def remind_subscriptions() -> None:
    """Hourly: subscribers hear in their app a few days before their month ends (once)."""
    service.remind_expiring(UnitOfWork())

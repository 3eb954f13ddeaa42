"""Permit jobs: ids in, their own unit of work, idempotent."""

from __future__ import annotations

from gateway.db import UnitOfWork
from services.permits import deadlines, fees, outbound, reconcile


def send_oss_calls(application_id: str, **_: object) -> dict[str, int]:
    """Send the application's pending OSS calls in order (raises while OSS is unreachable: retried)."""
    return outbound.send_pending(UnitOfWork(), application_id=application_id)


def sla_sweep(**_: object) -> dict[str, int]:
    """Reminders, escalations, fiktif positif and void applications (each act once)."""
    return deadlines.sweep(UnitOfWork())


def expiry_reminders(**_: object) -> dict[str, int]:
    """Owners reminded before their permits expire; expired permits marked."""
    return deadlines.expiry(UnitOfWork())


def reconcile_oss(**_: object) -> dict[str, int]:
    """The nightly comparison with OSS's checkLicenseStatus."""
    return reconcile.run(UnitOfWork())


def on_invoice_paid(invoice_id: str, purpose: str, purpose_ref: str, **_: object) -> str:
    """payments.invoice_paid: a retribusi paid moves its application on (other purposes are ignored)."""
    return fees.on_paid(UnitOfWork(), invoice_id=invoice_id, purpose=purpose, purpose_ref=purpose_ref)


def on_invoice_expired(invoice_id: str, purpose: str, purpose_ref: str, **_: object) -> str:
    """payments.invoice_expired: a retribusi unpaid by its deadline voids its application."""
    return fees.on_expired(UnitOfWork(), invoice_id=invoice_id, purpose=purpose, purpose_ref=purpose_ref)

"""Where money moves: the one place the ledger posts, inside the transaction that moved it.

`money_moved` is called by service.py in the same transaction (the same `uow`) exactly once when an
invoice becomes paid (kind="paid", with the settling payment), when a payment arrives for an invoice
that is already paid (kind="overpaid": the money must be refunded) and when a refund is recorded
(kind="refunded", with the refund). The ledger's transaction commits or rolls back with the state
change, and an exception it raises (an unbalanced posting) refuses the change.
"""

from __future__ import annotations

from gateway.db import UnitOfWork
from services.payments import ledger
from services.payments.models import Invoice, Payment, Refund


def money_moved(
    uow: UnitOfWork,
    *,
    kind: str,
    invoice: Invoice,
    payment: Payment | None = None,
    refund: Refund | None = None,
) -> None:
    """Post the movement (kind: "paid" | "overpaid" | "refunded") in the caller's transaction."""
    ledger.record_movement(uow, kind=kind, invoice=invoice, payment=payment, refund=refund)

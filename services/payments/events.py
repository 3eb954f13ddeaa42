"""The events payments publishes. Each carries the invoice id and the purpose and purpose_ref the
invoice was created with, so a subscriber finds its own record without importing payments."""

from __future__ import annotations

from gateway.kernel.modules import Event

INVOICE_PAID = Event("payments.invoice_paid", fields=("invoice_id", "purpose", "purpose_ref"))
INVOICE_EXPIRED = Event("payments.invoice_expired", fields=("invoice_id", "purpose", "purpose_ref"))
REFUNDED = Event("payments.refunded", fields=("invoice_id", "purpose", "purpose_ref", "refund_id", "amount"))

EVENTS = (INVOICE_PAID, INVOICE_EXPIRED, REFUNDED)

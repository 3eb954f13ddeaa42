"""The payments service's refusals, each with a stable snake_case reason."""

from __future__ import annotations

from gateway.errors import Conflict, NotFound, ValidationFailed


class InvoiceNotFound(NotFound):
    reason = "invoice_not_found"


class InvoiceNotOpen(Conflict):
    """The invoice is no longer open (paid, expired or cancelled): it cannot be cancelled."""

    reason = "invoice_not_open"


class InvoiceAlreadyOpen(Conflict):
    """An open invoice for the same purpose and reference exists with another amount."""

    reason = "invoice_already_open"


class InvoiceNotRefundable(Conflict):
    reason = "invoice_not_refundable"


class RefundTooLarge(ValidationFailed):
    reason = "refund_exceeds_paid"


class InvalidInvoice(ValidationFailed):
    """create_invoice was given something it cannot invoice (unknown purpose, amount ≤ 0 …)."""

    reason = "invalid_invoice"

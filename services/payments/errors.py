"""The payments service's refusals, each with a stable snake_case reason."""

from __future__ import annotations

from gateway.errors import Conflict, Forbidden, NotFound, ServiceError, Unavailable, ValidationFailed


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


class CounterPaymentNotFound(NotFound):
    reason = "counter_payment_not_found"


class CounterPaymentNotPending(Conflict):
    reason = "counter_payment_not_pending"


class SlipAlreadyUsed(Conflict):
    reason = "slip_already_used"


class SecondStaffRequired(Forbidden):
    """A counter payment above the threshold is confirmed by someone other than who took it."""

    reason = "second_staff_required"


class SettlementReportUnavailable(Unavailable):
    """The acquirer's settlement report for the day cannot be had yet (not published, unreachable)."""

    reason = "settlement_report_unavailable"


class SettlementReportInvalid(ServiceError):
    """The acquirer's settlement report is not the agreed CSV: nothing of it is used."""

    code, reason = 502, "settlement_report_invalid"


class ReconciliationTaskNotFound(NotFound):
    reason = "reconciliation_task_not_found"


class ReconciliationTaskResolved(Conflict):
    reason = "reconciliation_task_resolved"


class ReceiptNotAvailable(Conflict):
    """Only a paid (or refunded) invoice has a receipt."""

    reason = "receipt_not_available"

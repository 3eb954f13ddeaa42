"""Request and response schemas of the payments endpoints."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.extensions import LocalDateTime, Schema
from services.payments import va
from services.payments.models import STATES
from services.payments.purposes import PURPOSES


class InvoiceSchema(Schema):
    id = fields.String()
    billing_code = fields.String(metadata={"description": "13 digits (YYMMDD, serial, check digit)"})
    purpose = fields.String()
    purpose_ref = fields.String()
    opd_code = fields.String(metadata={"description": "the OPD the purpose belongs to"})
    amount = fields.Integer(metadata={"description": "whole rupiah"})
    amount_refunded = fields.Integer()
    currency = fields.Constant("IDR")
    state = fields.String(metadata={"description": " | ".join(STATES)})
    description = fields.String()
    payer_name = fields.String(allow_none=True)
    channel_hint = fields.String(allow_none=True)
    qris = fields.String(
        attribute="qris_payload", metadata={"description": "dynamic QRIS payload (EMVCo MPM)"}
    )
    va_number = fields.Function(
        lambda invoice: va.va_number(invoice.billing_code),
        metadata={"description": "virtual account to pay by bank transfer (prefix + billing code)"},
    )
    receipt_path = fields.Function(
        lambda invoice: (
            f"/api/v1/payments/invoices/{invoice.id}/receipt.pdf"
            if invoice.state in ("paid", "partially_refunded", "refunded")
            else None
        ),
        metadata={"description": "the signed receipt (bukti pembayaran) once paid"},
    )
    expires_at = LocalDateTime()
    created_at = LocalDateTime()
    paid_at = LocalDateTime(allow_none=True)
    expired_at = LocalDateTime(allow_none=True)
    cancelled_at = LocalDateTime(allow_none=True)


class InvoiceQueryArgsSchema(Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    purpose = fields.String(validate=validate.OneOf(sorted(PURPOSES)))


class MyInvoiceQueryArgsSchema(Schema):
    state = fields.String(validate=validate.OneOf(STATES))


class InvoiceCancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=200))


class RefundCreateSchema(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=300))


class RefundSchema(Schema):
    id = fields.String()
    invoice_id = fields.String()
    amount = fields.Integer()
    reason = fields.String()
    created_at = LocalDateTime()


class SnapAmountSchema(Schema):
    value = fields.String(required=True, metadata={"example": "3000.00"})
    currency = fields.String(required=True, metadata={"example": "IDR"})


class QrisNotificationSchema(Schema):
    """The acquirer's QR MPM payment notification (SNAP BI); documented, checked by the service."""

    originalReferenceNo = fields.String(required=True, metadata={"description": "the acquirer's reference"})  # noqa: N815
    originalPartnerReferenceNo = fields.String(required=True, metadata={"description": "our billing code"})  # noqa: N815
    latestTransactionStatus = fields.String(required=True, metadata={"description": '"00" success'})  # noqa: N815
    transactionStatusDesc = fields.String()  # noqa: N815
    amount = fields.Nested(SnapAmountSchema, required=True)
    externalStoreId = fields.String()  # noqa: N815
    additionalInfo = fields.Dict()  # noqa: N815


class SnapAnswerSchema(Schema):
    responseCode = fields.String(metadata={"example": "2005200"})  # noqa: N815
    responseMessage = fields.String(metadata={"example": "Successful"})  # noqa: N815


class PaymentNotificationSchema(Schema):
    id = fields.String()
    channel = fields.String()
    received_at = LocalDateTime()
    outcome = fields.String(metadata={"description": "accepted | refused"})
    reason = fields.String(
        metadata={"description": "paid, duplicate, overpaid, polled_paid, invalid_signature …"}
    )
    detail = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    partner_reference = fields.String(allow_none=True)
    invoice_id = fields.String(allow_none=True)
    payment_id = fields.String(allow_none=True)
    headers = fields.Dict()
    body = fields.String()


class NotificationQueryArgsSchema(Schema):
    outcome = fields.String(validate=validate.OneOf(["accepted", "refused"]))
    invoice_id = fields.String()


class CounterPaymentCreateSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(["cash", "edc"]))
    slip_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9./-]{1,40}$"),
        metadata={"description": "the receipt (cash) or EDC slip number"},
    )
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class CounterPaymentSchema(Schema):
    id = fields.String()
    invoice_id = fields.String()
    method = fields.String()
    slip_number = fields.String()
    amount = fields.Integer()
    state = fields.String(metadata={"description": "confirmed (the invoice is paid) | pending | rejected"})
    recorded_by = fields.String()
    confirmed_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = LocalDateTime()
    decided_at = LocalDateTime(allow_none=True)


class CounterDecisionSchema(Schema):
    note = fields.String(validate=validate.Length(max=300))


class VaInquirySchema(Schema):
    partnerServiceId = fields.String(required=True, metadata={"example": "   98811"})  # noqa: N815
    customerNo = fields.String(required=True, metadata={"description": "the billing code"})  # noqa: N815
    virtualAccountNo = fields.String(required=True)  # noqa: N815
    inquiryRequestId = fields.String(required=True)  # noqa: N815


class VaPaymentSchema(Schema):
    partnerServiceId = fields.String(required=True)  # noqa: N815
    customerNo = fields.String(required=True)  # noqa: N815
    virtualAccountNo = fields.String(required=True)  # noqa: N815
    paymentRequestId = fields.String(
        required=True, metadata={"description": "the bank's id: idempotency key"}
    )  # noqa: N815
    paidAmount = fields.Nested(SnapAmountSchema, required=True)  # noqa: N815
    trxDateTime = fields.String()  # noqa: N815
    virtualAccountName = fields.String()  # noqa: N815


class BalanceQueryArgsSchema(Schema):
    as_of = fields.Date(metadata={"description": "business date (inclusive); today when absent"})


class BalanceSchema(Schema):
    account = fields.String(metadata={"example": "revenue:permits.retribusi"})
    debit = fields.Integer()
    credit = fields.Integer()
    balance = fields.Integer(metadata={"description": "debit − credit, summed from the postings"})


class PostingSchema(Schema):
    account = fields.String()
    amount = fields.Integer(metadata={"description": "debit > 0, credit < 0"})


class LedgerTransactionSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"description": "payment | overpayment | refund | settlement"})
    source_id = fields.String(metadata={"description": "the payment, refund or reconciliation run"})
    invoice_id = fields.String(allow_none=True)
    booked_on = fields.Date()
    memo = fields.String()
    created_at = LocalDateTime()
    postings = fields.List(fields.Nested(PostingSchema))


class LedgerQueryArgsSchema(Schema):
    invoice_id = fields.String()
    kind = fields.String(validate=validate.OneOf(["payment", "overpayment", "refund", "settlement"]))
    booked_on = fields.Date()


class ReconcileSchema(Schema):
    date = fields.Date(
        required=True, metadata={"description": "the business day (Asia/Jakarta) to reconcile"}
    )


class ReconciliationRunSchema(Schema):
    id = fields.String()
    business_date = fields.Date()
    trigger = fields.String(metadata={"description": "daily | on_demand"})
    started_at = LocalDateTime()
    report_lines = fields.Integer(metadata={"description": "lines of the day in the acquirer's report"})
    newly_matched = fields.Integer(metadata={"description": "matched by this run"})
    matched = fields.Integer(metadata={"description": "the day's matches after this run"})
    matched_amount = fields.Integer()
    missing_at_bank = fields.Integer()
    missing_here = fields.Integer()
    amount_mismatch = fields.Integer()
    ledger_transaction_id = fields.String(allow_none=True, metadata={"description": "the settlement posted"})


class ReconciliationTaskSchema(Schema):
    id = fields.String()
    business_date = fields.Date()
    kind = fields.String(metadata={"description": "missing_at_bank | missing_here | amount_mismatch"})
    reference = fields.String(metadata={"description": "the acquirer's reference"})
    billing_code = fields.String(allow_none=True)
    payment_id = fields.String(allow_none=True)
    our_amount = fields.Integer(allow_none=True)
    bank_amount = fields.Integer(allow_none=True)
    state = fields.String(metadata={"description": "open | resolved"})
    opened_at = LocalDateTime()
    resolved_at = LocalDateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)


class ReconciliationDaySchema(Schema):
    date = fields.Date()
    reconciled = fields.Boolean(metadata={"description": "false until a run has looked at the day"})
    differences = fields.Integer(metadata={"description": "open differences (0: the day reconciles)"})
    matched = fields.Integer()
    matched_amount = fields.Integer()
    missing_at_bank = fields.Integer()
    missing_here = fields.Integer()
    amount_mismatch = fields.Integer()
    runs = fields.List(fields.Nested(ReconciliationRunSchema))
    tasks = fields.List(fields.Nested(ReconciliationTaskSchema))


class TaskQueryArgsSchema(Schema):
    state = fields.String(validate=validate.OneOf(["open", "resolved"]))
    kind = fields.String(validate=validate.OneOf(["missing_at_bank", "missing_here", "amount_mismatch"]))
    date = fields.Date()


class TaskResolveSchema(Schema):
    resolution = fields.String(required=True, validate=validate.Length(min=3, max=300))

"""Request and response schemas of the payments endpoints."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.extensions import LocalDateTime, Schema
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

"""Virtual account payments, Bank Sumut style: the VA number is a prefix and the invoice's billing code.

The bank asks us for the bill (SNAP BI Transfer VA inquiry) and then tells us it debited the customer
(payment flag); we answer in SNAP's shape. Unlike a QRIS notification, a VA payment is a request: when we
refuse it (unknown VA, wrong amount, an invoice no longer open) the bank does not take the money. Both
calls are signed by the bank like its QRIS notifications (SHA256withRSA over
POST:path:hex(SHA256(minified body)):X-TIMESTAMP, verified with PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE), and
both are stored as notifications (channel "va") with their outcome. The bank's paymentRequestId is the
idempotency key: the same payment flagged twice is one payment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.payments import models as m
from services.payments import settings, snap
from services.payments.notifications import Answer, Refused, check_signature, pay, receive

INQUIRY_PATH = "/api/v1/payments/notify/va/inquiry"
PAYMENT_PATH = "/api/v1/payments/notify/va/payment"
SERVICE_INQUIRY, SERVICE_PAYMENT = "24", "25"


def prefix() -> str:
    return settings.get("PAYMENTS_VA_PREFIX")


def va_number(billing_code: str) -> str:
    """The invoice's virtual account number: the bank's prefix for the city, then the billing code."""
    return prefix() + billing_code


def _body(raw: bytes, service_code: str, required: tuple[str, ...]) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError as err:
        raise Refused(
            "malformed_body", Answer(400, "01", "Invalid Field Format", service_code), "not JSON"
        ) from err
    if not isinstance(body, dict):
        raise Refused(
            "malformed_body", Answer(400, "01", "Invalid Field Format", service_code), "not an object"
        )
    for name in ("partnerServiceId", "customerNo", "virtualAccountNo", *required):
        if not isinstance(body.get(name), str) or not 0 < len(body[name]) <= 64:
            raise Refused(
                "malformed_body", Answer(400, "02", f"Invalid Mandatory Field [{name}]", service_code), name
            )
    return body


def _invoice(uow: UnitOfWork, row: m.Notification, body: dict[str, Any], service_code: str) -> m.Invoice:
    customer = body["customerNo"].strip()
    row.partner_reference = customer
    va = body["virtualAccountNo"].replace(" ", "")
    if body["partnerServiceId"].strip() != prefix() or va != prefix() + customer:
        raise Refused(
            "unknown_reference",
            Answer(404, "12", "Invalid Bill/Virtual Account [Not Found]", service_code),
            va,
        )
    invoice = session_of(uow).scalar(select(m.Invoice).where(m.Invoice.billing_code == customer))
    if invoice is None:
        raise Refused(
            "unknown_reference",
            Answer(404, "12", "Invalid Bill/Virtual Account [Not Found]", service_code),
            va,
        )
    row.invoice_id = invoice.id
    return invoice


def _open(invoice: m.Invoice, service_code: str) -> None:
    if invoice.state in (m.PAID, m.PARTIALLY_REFUNDED, m.REFUNDED):
        raise Refused("already_paid", Answer(404, "14", "Paid Bill", service_code), invoice.state)
    if invoice.state == m.EXPIRED:
        raise Refused(
            "invoice_expired", Answer(404, "19", "Invalid Bill/Virtual Account [Expired]", service_code)
        )
    if invoice.state != m.OPEN:
        raise Refused(
            "invoice_cancelled", Answer(404, "12", "Invalid Bill/Virtual Account [Not Found]", service_code)
        )


def _va_data(invoice: m.Invoice, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "partnerServiceId": body["partnerServiceId"],
        "customerNo": body["customerNo"],
        "virtualAccountNo": body["virtualAccountNo"],
        "virtualAccountName": (invoice.payer_name or "PEMKO PEMATANGSIANTAR")[:255],
        "totalAmount": snap.amount_value(invoice.amount),
        "billDetails": [
            {"billCode": invoice.billing_code, "billDescription": {"indonesia": invoice.description}}
        ],
    }


def inquiry(uow: UnitOfWork, *, raw: bytes, headers: Mapping[str, str]) -> Answer:
    """The bank asks what a VA number owes (an open invoice's amount; a closed-amount VA)."""

    def handle(uow: UnitOfWork, row: m.Notification) -> tuple[str, Answer]:
        check_signature(headers, raw, INQUIRY_PATH, SERVICE_INQUIRY)
        body = _body(raw, SERVICE_INQUIRY, ("inquiryRequestId",))
        row.reference = body["inquiryRequestId"]
        invoice = _invoice(uow, row, body, SERVICE_INQUIRY)
        _open(invoice, SERVICE_INQUIRY)
        data = _va_data(invoice, body) | {"inquiryRequestId": body["inquiryRequestId"]}
        return "inquiry", Answer(200, "00", "Successful", SERVICE_INQUIRY, {"virtualAccountData": data})

    return receive(uow, channel="va", raw=raw, headers=headers, handle=handle)


def payment(uow: UnitOfWork, *, raw: bytes, headers: Mapping[str, str]) -> Answer:
    """The bank flags a VA as paid: we accept (the invoice is paid) or refuse (the bank keeps the money)."""

    def handle(uow: UnitOfWork, row: m.Notification) -> tuple[str, Answer]:
        check_signature(headers, raw, PAYMENT_PATH, SERVICE_PAYMENT)
        body = _body(raw, SERVICE_PAYMENT, ("paymentRequestId",))
        row.reference = body["paymentRequestId"]
        invoice = _invoice(uow, row, body, SERVICE_PAYMENT)
        done = {"paymentRequestId": body["paymentRequestId"], "paymentFlagStatus": "00"}
        ok = Answer(
            200, "00", "Successful", SERVICE_PAYMENT, {"virtualAccountData": _va_data(invoice, body) | done}
        )
        known = session_of(uow).scalar(
            select(m.Payment).where(m.Payment.channel == "va", m.Payment.reference == row.reference)
        )
        if known is not None:
            row.payment_id = known.id
            return "duplicate", ok
        _open(invoice, SERVICE_PAYMENT)
        rupiah, currency = snap.rupiah_of(body.get("paidAmount"))
        if currency != "IDR" or rupiah != invoice.amount:
            raise Refused(
                "amount_mismatch",
                Answer(404, "13", "Invalid Amount", SERVICE_PAYMENT),
                f"{rupiah} {currency}",
            )
        paid_at = snap.parse_timestamp(body.get("trxDateTime")) or clock.now()
        pay(uow, row, invoice, amount=rupiah, paid_at=paid_at, service_code=SERVICE_PAYMENT)
        return "paid", ok

    return receive(uow, channel="va", raw=raw, headers=headers, handle=handle)

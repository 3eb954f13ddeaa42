"""The acquirer's payment notifications (SNAP BI, QR MPM), checked and stored whatever they say.

A notification pays an invoice only when every check passes: X-TIMESTAMP within 5 minutes, the
acquirer's SHA256withRSA signature over POST:path:hex(SHA256(minified body)):X-TIMESTAMP, a body of the
expected shape, a QR reference label we issued (billing code or the caller's reference), the invoice's amount in IDR, and status "00". Each is stored
raw with its outcome (accepted or refused) and reason in the same transaction as the payment, so a
payment never exists without the notification that made it, and a refusal never changes an invoice.
The acquirer's reference (originalReferenceNo) is the idempotency key: the same payment notified again
is answered "Successful" and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import ServiceError
from gateway.kernel import clock
from services.payments import models as m
from services.payments import service, settings, snap

NOTIFY_PATH = "/api/v1/payments/notify/qris"
KEPT_HEADERS = ("X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "CHANNEL-ID", "Content-Type")


@dataclass(frozen=True)
class Answer:
    """The SNAP answer: HTTP status and {responseCode, responseMessage} (+ the service's own fields)."""

    status: int
    case: str
    message: str
    service: str = snap.SERVICE_QR_NOTIFY
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "responseCode": snap.code(self.status, self.service, self.case),
            "responseMessage": self.message,
            **self.extra,
        }


OK = Answer(200, "00", "Successful")


class Refused(Exception):
    def __init__(self, reason: str, answer: Answer, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason, self.answer, self.detail = reason, answer, detail


def receive(
    uow: UnitOfWork,
    *,
    channel: str,
    raw: bytes,
    headers: Mapping[str, str],
    handle: Callable[[UnitOfWork, m.Notification], tuple[str, Answer]],
) -> Answer:
    """Store one call from the acquirer with its outcome; `handle` checks it and acts, or raises Refused."""
    kept = {h: headers.get(h) for h in KEPT_HEADERS if headers.get(h) is not None}
    row = m.Notification(channel=channel, headers=kept, body=raw.decode("utf-8", "replace")[:20000])
    with uow:
        try:
            reason, answer = handle(uow, row)
            row.outcome, row.reason = "accepted", reason
        except Refused as refused:
            session_of(uow).rollback()  # nothing the checks wrote survives; the refusal is recorded alone
            row.outcome, row.reason, row.detail = "refused", refused.reason, refused.detail[:300]
            row.payment_id = None
            answer = refused.answer
        session_of(uow).add(row)
        uow.commit()
        return answer


def check_signature(headers: Mapping[str, str], raw: bytes, path: str, service_code: str) -> None:
    """X-TIMESTAMP within 5 minutes and the acquirer's SHA256withRSA over POST:path:hex(SHA256(body)):ts."""
    ts = headers.get("X-TIMESTAMP")
    if not snap.fresh(ts, clock.now()):
        answer = Answer(401, "00", "Unauthorized. [X-TIMESTAMP]", service_code)
        raise Refused("stale_timestamp", answer, f"X-TIMESTAMP {ts!r}")
    text = snap.notify_string("POST", path, snap.minify_raw(raw), ts or "")
    key = settings.acquirer_public_key()
    if key is None or not snap.rsa_verify(key, text, headers.get("X-SIGNATURE")):
        detail = "" if key else "no acquirer public key configured (PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE)"
        raise Refused(
            "invalid_signature", Answer(401, "00", "Unauthorized. [Signature]", service_code), detail
        )


def receive_qris(uow: UnitOfWork, *, raw: bytes, headers: Mapping[str, str]) -> Answer:
    """Check one QRIS notification, record it, and pay its invoice when it is good (see the module doc)."""
    return receive(
        uow, channel="qris", raw=raw, headers=headers, handle=lambda uow, row: _accept(uow, row, raw, headers)
    )


def _accept(
    uow: UnitOfWork, row: m.Notification, raw: bytes, headers: Mapping[str, str]
) -> tuple[str, Answer]:
    check_signature(headers, raw, NOTIFY_PATH, snap.SERVICE_QR_NOTIFY)
    body = _body(raw)
    row.reference = body["originalReferenceNo"]
    row.partner_reference = body["originalPartnerReferenceNo"]
    invoice = service.by_qr_label(uow, row.partner_reference)
    if invoice is None:
        raise Refused("unknown_reference", Answer(404, "01", "Transaction Not Found"), row.partner_reference)
    row.invoice_id = invoice.id
    rupiah, currency = snap.rupiah_of(body["amount"])
    if currency != "IDR":
        raise Refused("currency_mismatch", Answer(404, "13", "Invalid Amount"), f"currency {currency!r}")
    if rupiah != invoice.amount:
        raise Refused(
            "amount_mismatch", Answer(404, "13", "Invalid Amount"), f"{rupiah} for {invoice.amount}"
        )
    if body["latestTransactionStatus"] != "00":
        return f"status_{body['latestTransactionStatus']}"[:40], OK  # told, nothing to record as paid
    paid_at = snap.parse_timestamp((body.get("additionalInfo") or {}).get("paidTime")) or clock.now()
    payment, new = pay(uow, row, invoice, amount=rupiah, paid_at=paid_at, service_code=snap.SERVICE_QR_NOTIFY)
    return ("paid" if payment.settles else "overpaid") if new else "duplicate", OK


def pay(
    uow: UnitOfWork,
    row: m.Notification,
    invoice: m.Invoice,
    *,
    amount: int,
    paid_at: datetime,
    service_code: str,
) -> tuple[m.Payment, bool]:
    """Record the payment the call reports (idempotent on the acquirer's reference, `row.reference`)."""
    try:
        payment, new = service.record_payment(
            uow, invoice_id=invoice.id, channel=row.channel, reference=row.reference or "",
            amount=amount, paid_at=paid_at,
        )  # fmt: skip
    except ServiceError as err:
        raise Refused(err.reason, Answer(409, "00", "Conflict", service_code), err.message) from err
    row.payment_id = payment.id
    return payment, new


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError as err:
        raise Refused("malformed_body", Answer(400, "01", "Invalid Field Format [body]"), "not JSON") from err
    if not isinstance(body, dict):
        raise Refused("malformed_body", Answer(400, "01", "Invalid Field Format [body]"), "not an object")
    for name in ("originalReferenceNo", "originalPartnerReferenceNo", "latestTransactionStatus"):
        value = body.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            raise Refused("malformed_body", Answer(400, "02", f"Invalid Mandatory Field [{name}]"), name)
    if not isinstance(body.get("amount"), dict):
        raise Refused("malformed_body", Answer(400, "02", "Invalid Mandatory Field [amount]"), "amount")
    return body


def list_notifications(
    uow: UnitOfWork,
    *,
    principal: Principal,
    outcome: str | None,
    invoice_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[m.Notification], int]:
    """What the acquirers told us, newest first (finance and admins)."""
    principal.require_role(*service.READ_ALL)
    with uow:
        stmt = select(m.Notification)
        if outcome:
            stmt = stmt.where(m.Notification.outcome == outcome)
        if invoice_id:
            stmt = stmt.where(m.Notification.invoice_id == invoice_id)
        return service.page(
            uow, stmt, (m.Notification.received_at.desc(), m.Notification.id), limit=limit, offset=offset
        )

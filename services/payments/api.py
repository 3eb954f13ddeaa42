"""The payments service's contract with the other services: the only module they may import.

    from services.payments import api as payments

    with uow:
        invoice = payments.create_invoice(
            uow, purpose="permits.retribusi", purpose_ref=application.id, amount=150_000,
            payer=payments.Payer(resident_id=owner.resident_id, name=owner.name),
            description="Retribusi PBG 503/00012/DPMPTSP/2026", expires_at=None, channel_hint="qris",
        )
        application.invoice_id = invoice.id      # keep the id; show invoice.billing_code / invoice.qris
        uow.commit()

Rules of the contract
- Every function takes the caller's open UnitOfWork and runs in its transaction; none commits. The
  caller has already decided who may ask (payments does not check a principal here).
- Money is integer rupiah. `amount` > 0.
- `purpose` is one of `PURPOSES` ("permits.retribusi", "parking.retribusi", "adminduk.courier"); it names
  the OPD whose staff see the invoice. `purpose_ref` (≤ 64 characters) is the caller's own record id.
- `create_invoice` is idempotent while an invoice is open: the same purpose, purpose_ref and amount
  answer the open invoice again; another amount raises `InvoiceAlreadyOpen` (409): cancel first.
  `expires_at` None means the configured default (PAYMENTS_DEFAULT_TTL_MINUTES, 24 h).
- States: open → paid | expired | cancelled; paid → partially_refunded → refunded.
- Events (subscribe by name in your ServiceModule; the job gets these keyword arguments):
    payments.invoice_paid     invoice_id, purpose, purpose_ref
    payments.invoice_expired  invoice_id, purpose, purpose_ref
    payments.refunded         invoice_id, purpose, purpose_ref, refund_id, amount
  Filter on `purpose`, find your record by `purpose_ref`. Jobs may run twice: be idempotent.
  `invoice_paid` can follow `invoice_expired` or your cancel_invoice: the payer's wallet was debited
  after the fact; the invoice is then paid (Invoice.late_payment is true) — honour it or have finance
  refund it. An invoice is paid once: duplicates of a payment never publish again.
- Errors raised are ServiceErrors (the one error body): `InvalidInvoice` (422, reason invalid_invoice,
  `errors["invoice"]` names the fields), `InvoiceNotFound` (404), `InvoiceNotOpen` (409),
  `InvoiceAlreadyOpen` (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gateway.db import UnitOfWork, session_of
from services.payments import models as m
from services.payments import qris as _qris
from services.payments import service, va
from services.payments.errors import InvalidInvoice, InvoiceAlreadyOpen, InvoiceNotFound, InvoiceNotOpen
from services.payments.images import qr_png
from services.payments.purposes import PURPOSES
from services.payments.service import Payer

INVOICE_PAID = "payments.invoice_paid"
INVOICE_EXPIRED = "payments.invoice_expired"
REFUNDED = "payments.refunded"
STATES = m.STATES

__all__ = [
    "INVOICE_EXPIRED",
    "INVOICE_PAID",
    "PURPOSES",
    "REFUNDED",
    "STATES",
    "InvalidInvoice",
    "Invoice",
    "InvoiceAlreadyOpen",
    "InvoiceNotFound",
    "InvoiceNotOpen",
    "Payer",
    "cancel_invoice",
    "create_invoice",
    "find_invoices",
    "get_invoice",
    "mark_qr_shown",
    "qris_png",
]


@dataclass(frozen=True)
class Invoice:
    """What a caller needs to show and track an invoice (a snapshot; read again for the current state)."""

    id: str
    billing_code: str  # 13 digits, shown to the payer (bank transfer, counter)
    qris_reference: str  # the QR's reference label (62.05): `reference` if given, else the billing code
    purpose: str
    purpose_ref: str
    amount: int  # rupiah
    amount_refunded: int
    state: str  # one of STATES
    qris: str  # the dynamic QRIS payload to render as a QR code (or fetch the PNG endpoint)
    expires_at: datetime
    created_at: datetime
    paid_at: datetime | None
    late_payment: bool  # paid after it expired or was cancelled
    payer_resident_id: str | None
    description: str
    qris_png_path: str  # GET it with the payer's or staff's token: /api/v1/payments/invoices/{id}/qris.png
    va_number: str  # pay by bank transfer: the virtual account (prefix + billing code)


def _view(uow: UnitOfWork, row: m.Invoice) -> Invoice:
    late = False
    if row.state != m.OPEN and row.paid_at is not None:
        late = bool(
            session_of(uow).scalar(
                select(m.Payment.late).where(m.Payment.invoice_id == row.id, m.Payment.settles.is_(True))
            )
        )
    return Invoice(
        id=row.id,
        billing_code=row.billing_code,
        qris_reference=service.qr_label(row),
        purpose=row.purpose,
        purpose_ref=row.purpose_ref,
        amount=row.amount,
        amount_refunded=row.amount_refunded,
        state=row.state,
        qris=row.qris_payload,
        expires_at=row.expires_at,
        created_at=row.created_at,
        paid_at=row.paid_at,
        late_payment=late,
        payer_resident_id=row.payer_resident_id,
        description=row.description,
        qris_png_path=f"/api/v1/payments/invoices/{row.id}/qris.png",
        va_number=va.va_number(row.billing_code),
    )


def create_invoice(
    uow: UnitOfWork,
    *,
    purpose: str,
    purpose_ref: str,
    amount: int,
    payer: Payer | None,
    description: str,
    expires_at: datetime | None,
    channel_hint: str | None,
    terminal: str | None = None,
    reference: str | None = None,
) -> Invoice:
    """Open an invoice (billing code, dynamic QRIS) in the caller's transaction.

    channel_hint: "qris" | "va" | "counter" | None (how the payer is expected to pay; every invoice has
    a QRIS payload). terminal: the device showing the QR (parking handheld), put in the QR's 62.07.
    reference: the QR's reference label (62.05, 1–25 printable ASCII), e.g. the visit's printed
    reference; None keeps the billing code. The acquirer reports the payment under it, so keep it
    unique to one record of yours (a record's later invoices may reuse it: the newest one is paid).
    """
    row = service.create(
        uow,
        purpose=purpose,
        purpose_ref=purpose_ref,
        amount=amount,
        payer=payer,
        description=description,
        expires_at=expires_at,
        channel_hint=channel_hint,
        terminal=terminal,
        reference=reference,
    )
    return _view(uow, row)


def get_invoice(uow: UnitOfWork, invoice_id: str) -> Invoice:
    """The invoice as it is now; InvoiceNotFound (404) when there is none."""
    return _view(uow, service.get(uow, invoice_id))


def find_invoices(uow: UnitOfWork, *, purpose: str, purpose_ref: str) -> list[Invoice]:
    """Every invoice of one of your records, newest first (an expired one followed by its successor …)."""
    return [_view(uow, row) for row in service.find(uow, purpose=purpose, purpose_ref=purpose_ref)]


def cancel_invoice(uow: UnitOfWork, invoice_id: str, *, reason: str) -> Invoice:
    """open → cancelled; again on a cancelled one is a no-op; InvoiceNotOpen (409) once paid or expired."""
    return _view(uow, service.cancel(uow, invoice_id, reason=reason))


def mark_qr_shown(uow: UnitOfWork, invoice_id: str) -> None:
    """Tell payments the QR is on a screen now (a handheld showing `Invoice.qris`): the status poll
    for a lost notification counts from here. The PNG endpoint marks it by itself."""
    service.mark_qr_shown(uow, invoice_id)


def qris_png(payload: str, *, box_size: int = 8) -> bytes:
    """The payload as a PNG QR code (error correction M, quiet zone 4), e.g. for a handheld's screen."""
    _qris.parse(payload)  # never render something a wallet would refuse
    return qr_png(payload, box_size=box_size)

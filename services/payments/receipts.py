"""Receipts (bukti pembayaran): a signed PDF with a QR code, through the documents kernel.

A receipt is issued the first time someone asks for it (most parking payments never need one, and
signing a PDF for each would cost the worker more than the payment did), once per invoice: the invoice
keeps the document's id, set by a guarded UPDATE. Its QR code opens the public verification page
(/api/v1/verify/<token>), which shows only masked data: the billing code, the amount, the day, the
channel and the payer's initials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from gateway import documents
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.payments import models as m
from services.payments import service
from services.payments.errors import ReceiptNotAvailable
from services.payments.purposes import purpose as find_purpose

AUTHORITY = "BADAN PENGELOLA KEUANGAN DAN ASET DAERAH"
KIND = "payment_receipt"
RECEIPTABLE = (m.PAID, m.PARTIALLY_REFUNDED, m.REFUNDED)
CHANNEL_NAMES = {"qris": "QRIS", "va": "Transfer virtual account", "counter": "Loket MPP (tunai/EDC)"}


@dataclass(frozen=True)
class Receipt:
    number: str
    pdf: bytes
    verify_url: str


def rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def _day(moment: datetime) -> str:
    local = clock.local(moment)
    return f"{local.day} {documents.MONTHS_ID[local.month - 1]} {local.year}"


def initials(name: str | None) -> str:
    """'SITI BORU SINAGA' → 'S. B. S.': what the public page may say about who paid."""
    parts = [p for p in (name or "").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts) or "-"


def _content(invoice: m.Invoice, payment: m.Payment) -> tuple[list[tuple[str, str]], dict[str, str]]:
    found = find_purpose(invoice.purpose)
    label = found.label if found else invoice.purpose
    paid = clock.local(payment.paid_at)
    channel = CHANNEL_NAMES.get(payment.channel, payment.channel)
    printed = [
        ("Nomor tagihan", invoice.billing_code),
        ("Keperluan", label),
        ("Uraian", invoice.description),
        ("Nama pembayar", invoice.payer_name or "-"),
        ("Jumlah dibayar", rupiah(payment.amount)),
        ("Dibayar pada", f"{_day(payment.paid_at)} pukul {paid:%H.%M} WIB"),
        ("Saluran pembayaran", channel),
        ("Referensi pembayaran", payment.reference),
    ]
    public = {
        "nomor_tagihan": invoice.billing_code,
        "keperluan": label,
        "jumlah": rupiah(payment.amount),
        "tanggal_bayar": _day(payment.paid_at),
        "saluran": channel,
        "pembayar": initials(invoice.payer_name),
    }
    return printed, public


def _issue(uow: UnitOfWork, invoice_id: str) -> str:
    """The invoice's receipt document, issued now if it has none (once, whoever asks at the same time)."""
    with uow:
        session = session_of(uow)
        invoice = service.get(uow, invoice_id, lock=True)
        if invoice.receipt_document_id:
            return invoice.receipt_document_id
        payment = session.scalar(
            select(m.Payment).where(m.Payment.invoice_id == invoice.id, m.Payment.settles.is_(True))
        )
        if payment is None:
            raise ReceiptNotAvailable("The invoice has no payment to give a receipt for")
        printed, public = _content(invoice, payment)
        document = documents.issue(
            uow,
            kind=KIND,
            number=invoice.billing_code,
            title="BUKTI PEMBAYARAN",
            fields=printed,
            public=public,
            owner_resident_ids=[invoice.payer_resident_id] if invoice.payer_resident_id else [],
            issued_at=clock.now(),
            authority=AUTHORITY,
        )
        claimed = session.execute(
            update(m.Invoice)
            .where(m.Invoice.id == invoice.id, m.Invoice.receipt_document_id.is_(None))
            .values(receipt_document_id=document.id)
        )
        if claimed.rowcount != 1:  # SQLite: another request issued it between our read and write
            session.rollback()
            return _issue(UnitOfWork(), invoice_id)
        uow.commit()
        return document.id


def receipt(uow: UnitOfWork, *, principal: Principal, invoice_id: str) -> Receipt:
    """The signed receipt of a paid invoice for its payer, the purpose's OPD or finance (staff audited)."""
    invoice = service.read(uow, principal=principal, invoice_id=invoice_id)
    if invoice.state not in RECEIPTABLE:
        raise ReceiptNotAvailable(
            f"The invoice is {invoice.state}: no receipt", extra={"state": invoice.state}
        )
    document_id = invoice.receipt_document_id or _issue(UnitOfWork(), invoice.id)
    documents.render(document_id)  # now, if the worker has not yet (it does nothing the second time)
    with uow:
        document = documents.get(uow, document_id)
        assert document is not None and document.pdf is not None
        return Receipt(number=document.number, pdf=document.pdf, verify_url=documents.verify_url(document))

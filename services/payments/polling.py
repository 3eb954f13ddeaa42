"""The status poll: a lost notification never leaves a paid invoice open.

For invoices whose QR was shown more than PAYMENTS_POLL_AFTER_MINUTES ago and that are still open (or
expired less than a day ago: the wallet may have paid at the last second), ask the acquirer (QR MPM
query) at most once per that interval. A payment it reports is recorded exactly as a notification would
record it (same idempotency key: the acquirer's reference), and the answer is kept with the
notifications (reason "polled_paid") so finance sees where the payment came from.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from gateway.db import UnitOfWork, session_of
from gateway.errors import ServiceError
from gateway.kernel import clock
from services.payments import models as m
from services.payments import service, settings
from services.payments.adapters.acquirer import AcquirerError, QrStatus

log = logging.getLogger(__name__)


def _claim(limit: int) -> list[tuple[str, str, int]]:
    """Pick the invoices to ask about and stamp polled_at, so overlapping polls ask once."""
    now = clock.now()
    wait = settings.poll_after()
    with UnitOfWork() as uow:
        session = session_of(uow)
        rows = session.execute(
            select(
                m.Invoice.id,
                func.coalesce(m.Invoice.reference_label, m.Invoice.billing_code),
                m.Invoice.amount,
            )
            .where(
                m.Invoice.state.in_((m.OPEN, m.EXPIRED)),
                m.Invoice.qr_shown_at <= now - wait,
                m.Invoice.expires_at > now - timedelta(days=1),
                or_(m.Invoice.polled_at.is_(None), m.Invoice.polled_at <= now - wait),
            )
            .order_by(m.Invoice.qr_shown_at)
            .limit(limit)
        ).all()
        claimed = []
        for invoice_id, code, amount in rows:
            done = session.execute(
                update(m.Invoice)
                .where(
                    m.Invoice.id == invoice_id,
                    or_(m.Invoice.polled_at.is_(None), m.Invoice.polled_at <= now - wait),
                )
                .values(polled_at=now)
            )
            if done.rowcount == 1:
                claimed.append((invoice_id, code, amount))
        uow.commit()
    return claimed


def poll(*, limit: int = 100) -> dict[str, int]:
    """One round of the status poll; returns counts (asked, paid, errors)."""
    counts = {"asked": 0, "paid": 0, "errors": 0}
    claimed = _claim(limit)
    if not claimed:
        return counts
    client = settings.acquirer()
    for invoice_id, code, amount in claimed:
        counts["asked"] += 1
        try:
            status = client.qr_query(partner_reference_no=code)
        except AcquirerError as err:
            counts["errors"] += 1
            log.warning("status poll: acquirer did not answer for %s: %s", code, err)
            continue
        if status.state == "paid" and _record(invoice_id, code, amount, status):
            counts["paid"] += 1
    return counts


def _record(invoice_id: str, code: str, amount: int, status: QrStatus) -> bool:
    answer = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(status).items()}
    row = m.Notification(
        channel="qris", headers={}, body=json.dumps(answer), reference=status.reference_no,
        partner_reference=code, invoice_id=invoice_id, outcome="accepted", reason="polled_paid",
    )  # fmt: skip
    with UnitOfWork() as uow:
        if status.currency != "IDR" or status.amount != amount or not status.reference_no:
            row.outcome, row.reason = "refused", "amount_mismatch"
            row.detail = f"{status.amount} {status.currency} for {amount} IDR"
        else:
            try:
                payment, new = service.record_payment(
                    uow, invoice_id=invoice_id, channel="qris", reference=status.reference_no,
                    amount=amount, paid_at=status.paid_at or clock.now(),
                )  # fmt: skip
            except ServiceError as err:
                session_of(uow).rollback()
                row.outcome, row.reason, row.detail = "refused", err.reason, err.message[:300]
            else:
                row.payment_id = payment.id
                row.reason = "polled_paid" if new else "polled_duplicate"
        session_of(uow).add(row)
        uow.commit()
    return row.reason == "polled_paid"

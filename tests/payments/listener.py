"""A test-only subscriber to the payments events: each delivery is one inbox row for the payer
(importable by a real RQ worker), so a test can count deliveries."""

from __future__ import annotations

import uuid

from gateway import notify
from gateway.db import UnitOfWork
from services.payments import api


def on_payment_event(event: str, invoice_id: str, purpose: str, purpose_ref: str, **extra: object) -> None:
    with UnitOfWork() as uow:
        invoice = api.get_invoice(uow, invoice_id)
        assert invoice.payer_resident_id is not None
        notify.inbox(
            uow,
            resident_id=invoice.payer_resident_id,
            kind="test-payments",
            title=event,
            body=f"{purpose}|{purpose_ref}|{extra.get('amount', '')}",
            dedupe_key=f"delivery:{uuid.uuid4()}",  # count every delivery, duplicates included
        )
        uow.commit()

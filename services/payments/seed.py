"""Demo data: one open invoice for the demo mother, so `make run` has something to pay through the
acquirer simulator (docs/payments.md walks through it)."""

from __future__ import annotations

from sqlalchemy import select

from gateway.db import UnitOfWork, session_of
from gateway.identity import Resident
from services.payments import api

DEMO_PAYER_NIK = "1272015203959001"  # the demo mother (gateway/demo.py)
DEMO_REF = "DEMO-PBG-0001"


def seed_demo() -> None:
    """Idempotent: the same open invoice is answered again while it is open."""
    with UnitOfWork() as uow:
        resident = session_of(uow).scalar(select(Resident).where(Resident.nik == DEMO_PAYER_NIK))
        if resident is None:
            return
        if any(
            i.state != "open"
            for i in api.find_invoices(uow, purpose="permits.retribusi", purpose_ref=DEMO_REF)
        ):
            return  # paid (or expired) in an earlier run: leave the history as it is
        api.create_invoice(
            uow,
            purpose="permits.retribusi",
            purpose_ref=DEMO_REF,
            amount=150_000,
            payer=api.Payer(resident_id=resident.id, name=resident.full_name),
            description="Retribusi PBG (contoh)",
            expires_at=None,
            channel_hint="qris",
        )
        uow.commit()

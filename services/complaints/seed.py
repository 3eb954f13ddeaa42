"""Complaints seeders: the category catalogue (reference data) and a few demo SMS complaints."""

from __future__ import annotations

from gateway.db import UnitOfWork, utcnow
from services.complaints import catalogue, service


def seed_reference() -> None:
    """The category catalogue (reference table, kept between tests)."""
    with UnitOfWork() as uow:
        catalogue.seed_reference(uow)
        uow.commit()


DEMO_MESSAGES = (
    ("demo-sms-1", "+6281370000101", "Jalan berlubang di Jl. Sutomo depan SMA 2, bahaya untuk motor"),
    ("demo-sms-2", "+6281370000102", "Sampah menumpuk di TPS Jl. Kartini sudah 4 hari belum diangkut"),
    ("demo-sms-3", "+6281370000103", "Lampu jalan mati sepanjang Jl. Merdeka dekat Lapangan Adam Malik"),
)


def seed_demo() -> None:
    """A few complaints texted to the city's number (idempotent: the provider message ids dedupe)."""
    for message_id, phone, text in DEMO_MESSAGES:
        service.handle_inbound(
            UnitOfWork(),
            message_id=message_id,
            from_phone=phone,
            text=text,
            channel="sms",
            received_at=utcnow(),
        )

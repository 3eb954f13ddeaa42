"""Complaints: one number on every channel, routed to the right OPD, tracked, escalated, Open311."""

from __future__ import annotations

from gateway import queue
from gateway.db import UnitOfWork
from gateway.extensions import Api


def register(api: Api) -> None:
    from services.complaints import open311, routes

    routes.register(api)
    open311.register(api)


def seed_reference() -> None:
    """The category catalogue (reference table, kept between tests)."""
    from services.complaints import catalogue

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
    from gateway.db import utcnow
    from services.complaints import service

    for message_id, phone, text in DEMO_MESSAGES:
        service.handle_inbound(
            UnitOfWork(),
            message_id=message_id,
            from_phone=phone,
            text=text,
            channel="sms",
            received_at=utcnow(),
        )


queue.periodic("services.complaints.jobs:sweep", every=300)

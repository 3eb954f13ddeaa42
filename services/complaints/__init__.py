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


queue.periodic("services.complaints.jobs:sweep", every=300)

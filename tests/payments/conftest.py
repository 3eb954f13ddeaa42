"""Payment test helpers: invoices made through the api module (as permits and parking make them),
payments recorded the way the channels record them, finance staff, and a listener to the events."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

import services
from gateway import notify
from gateway.db import UnitOfWork
from gateway.kernel import clock
from gateway.kernel.modules import ServiceModule, Subscription, build_registry
from services.payments import api, service
from tests.payments import listener


@pytest.fixture
def make_invoice(app: Flask) -> Callable[..., api.Invoice]:
    """make_invoice(amount=150_000, payer_resident_id=None, purpose="permits.retribusi", **create kwargs)."""

    def _make(**kw: Any) -> api.Invoice:
        resident_id = kw.pop("payer_resident_id", None)
        values: dict[str, Any] = {
            "purpose": "permits.retribusi",
            "purpose_ref": f"app-{secrets.token_hex(4)}",
            "amount": 150_000,
            "payer": api.Payer(resident_id=resident_id, name="Warga Uji") if resident_id else None,
            "description": "Retribusi PBG",
            "expires_at": None,
            "channel_hint": "qris",
        }
        values.update(kw)
        with app.app_context(), UnitOfWork() as uow:
            invoice = api.create_invoice(uow, **values)
            uow.commit()
            return invoice

    return _make


@pytest.fixture
def pay(app: Flask) -> Callable[..., tuple[str, bool]]:
    """pay(invoice_id, amount=None (the invoice's), reference=None, channel="qris") → (payment id, new)."""

    def _pay(
        invoice_id: str, *, amount: int | None = None, reference: str | None = None, channel: str = "qris"
    ):
        with app.app_context(), UnitOfWork() as uow:
            if amount is None:
                amount = api.get_invoice(uow, invoice_id).amount
            payment, new = service.record_payment(
                uow,
                invoice_id=invoice_id,
                channel=channel,
                reference=reference or f"ACQ{secrets.token_hex(6)}",
                amount=amount,
                paid_at=clock.now(),
            )
            uow.commit()
            return payment.id, new

    return _pay


@pytest.fixture
def finance(staff: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return staff("finance")


@pytest.fixture
def listening(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[tuple[str, str]]]:
    """Subscribe a test listener to the three payment events; deliveries(resident_id) → [(event, body)]."""
    listener_module = ServiceModule(
        name="listener",
        jobs=(listener.on_payment_event,),
        subscriptions=tuple(
            Subscription(name, listener.on_payment_event)
            for name in (api.INVOICE_PAID, api.INVOICE_EXPIRED, api.REFUNDED)
        ),
    )
    monkeypatch.setitem(app.extensions, "modules", build_registry([*services.MODULES, listener_module]))

    def _deliveries(resident_id: str) -> list[tuple[str, str]]:
        with app.app_context(), UnitOfWork() as uow:
            assert uow.session is not None
            rows = uow.session.scalars(
                select(notify.InboxItem)
                .where(notify.InboxItem.resident_id == resident_id, notify.InboxItem.kind == "test-payments")
                .order_by(notify.InboxItem.created_at)
            )
            return [(r.title, r.body) for r in rows]

    return _deliveries


@pytest.fixture
def later() -> Iterator[Callable[[timedelta], Any]]:
    """later(timedelta) → a context manager freezing the clock that far ahead."""

    def _at(delta: timedelta) -> Any:
        return clock.frozen(datetime.now(UTC) + delta)

    yield _at

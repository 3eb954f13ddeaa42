"""Payment test helpers: invoices made through the api module (as permits and parking make them),
payments recorded the way the channels record them, finance staff, and a listener to the events."""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

import services
from gateway import notify
from gateway.db import UnitOfWork
from gateway.kernel import clock
from gateway.kernel.modules import ServiceModule, Subscription, build_registry
from services.payments import api, service, snap
from services.payments.adapters.acquirer_simulator import AcquirerSimulator, server
from services.payments.cli import simulator_config
from services.payments.notifications import NOTIFY_PATH
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


# ---- the acquirer simulator, over real HTTP both ways ---------------------------------------------


PORTS = os.environ.get("TEST_PORTS", "9200-9299")  # a worktree's own range when several share the machine


def port_in_range(first: int | None = None, last: int | None = None) -> int:
    """A free loopback port from TEST_PORTS (default 9200-9299; parking's tests ask 8110-8119), from `first` on."""
    low, high = (int(p) for p in PORTS.split("-"))
    first, last = first or low, last or high
    for port in range(first, last + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


@dataclass
class Acquirer:
    sim: AcquirerSimulator
    base: str  # the simulator's URL
    api: str  # our API, served on a loopback port (the simulator notifies it)

    def pay(self, payload: str) -> dict[str, Any]:
        r = requests.post(f"{self.base}/_sim/pay", json={"qris": payload}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def fault(self, kind: str, seconds: float = 1.0) -> None:
        r = requests.post(f"{self.base}/_sim/faults", json={"kind": kind, "seconds": seconds}, timeout=10)
        assert r.status_code == 200, r.text

    def attempts(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.base}/_sim/notifications", timeout=10).json()


SNAP_SETTINGS = (
    "PAYMENTS_SNAP_PRIVATE_KEY_FILE",
    "PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE",
    "PAYMENTS_ACQUIRER_BASE_URL",
    "PAYMENTS_SNAP_TIMEOUT",
)


@contextmanager
def serve_acquirer(app: Flask, ports: tuple[int, int] | None = None) -> Iterator[Acquirer]:
    """Our API on one loopback port and the simulator on another, each with its own keys; the app's
    SNAP settings point at it until the block ends (then they are what they were)."""
    low, high = (int(p) for p in PORTS.split("-"))
    ports = ports or (low, high)
    keys = Path(tempfile.mkdtemp(prefix="payments-keys-"))
    ours, theirs = snap.new_private_key(), snap.new_private_key()
    (keys / "client.pem").write_text(snap.private_pem(ours))
    (keys / "acquirer_public.pem").write_text(snap.public_pem(theirs))
    api_port = port_in_range(*ports)
    api_http = make_server("127.0.0.1", api_port, app, threaded=True)
    sim_port = port_in_range(api_port + 1, ports[1])
    before = {name: app.config[name] for name in SNAP_SETTINGS if name in app.config}
    app.config.update(
        PAYMENTS_SNAP_PRIVATE_KEY_FILE=str(keys / "client.pem"),
        PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE=str(keys / "acquirer_public.pem"),
        PAYMENTS_ACQUIRER_BASE_URL=f"http://127.0.0.1:{sim_port}",
        PAYMENTS_SNAP_TIMEOUT="5",
    )
    with app.app_context():
        config = simulator_config(
            notify_url=f"http://127.0.0.1:{api_port}{NOTIFY_PATH}",
            private_key_pem=snap.private_pem(theirs),
            retry_base=0.05,
        )
    sim = AcquirerSimulator(config)
    sim_http = server(sim, sim_port)
    for http, name in ((api_http, "payments-api"), (sim_http, "acquirer-sim")):
        threading.Thread(target=http.serve_forever, daemon=True, name=name).start()
    try:
        yield Acquirer(sim=sim, base=f"http://127.0.0.1:{sim_port}", api=f"http://127.0.0.1:{api_port}")
    finally:
        sim.idle()
        sim_http.shutdown()
        api_http.shutdown()
        for name in SNAP_SETTINGS:
            app.config.pop(name, None)
        app.config.update(before)


@pytest.fixture(scope="session")
def acquirer_server(app: Flask) -> Iterator[Acquirer]:
    with serve_acquirer(app) as acquirer:
        yield acquirer


@pytest.fixture
def acquirer(acquirer_server: Acquirer) -> Iterator[Acquirer]:
    acquirer_server.sim.state.reset()
    yield acquirer_server
    acquirer_server.sim.idle()  # notifications still in flight land before the tables are emptied


def wait_for(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    """Poll `check` until it returns something truthy (an outside system answers asynchronously)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)

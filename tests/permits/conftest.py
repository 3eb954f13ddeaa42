"""Permit test helpers: the OSS simulator on a loopback port (our calls go to it over real HTTP), pushes
signed the way OSS signs them, and the staff of DPMPTSP and Dinas PUTR."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.permits.oss_simulator import SimulatorState, build_nib, create_simulator, headers_for, server
from tests.gateway.support import free_port

USERNAME, PASSWORD, USER_KEY = "pia-test", "pia-test-password", "pia-test-user-key"
PBG = "032000000024"
SIP = "056000000011"


@pytest.fixture(scope="session")
def oss_server(app: Flask) -> Iterator[SimulatorState]:
    """One simulator for the session; its state is emptied before each test (see `oss`)."""
    sim = create_simulator(USER_KEY, USERNAME, PASSWORD)
    port = int(os.environ.get("OSS_SIM_PORT") or free_port())
    http = server(sim, port)
    thread = threading.Thread(target=http.serve_forever, daemon=True, name="oss-simulator")
    thread.start()
    app.config.update(
        OSS_BASE_URL=f"http://127.0.0.1:{port}/v1/kl/rba",
        OSS_USER_KEY=USER_KEY,
        OSS_USERNAME=USERNAME,
        OSS_PASSWORD=PASSWORD,
        OSS_TIMEOUT="1",
    )
    yield sim.state
    http.shutdown()


@pytest.fixture(autouse=True)
def oss(oss_server: SimulatorState) -> SimulatorState:
    with oss_server.lock:
        oss_server.received.clear()
        oss_server.nibs.clear()
        oss_server.statuses.clear()
        oss_server.faults.clear()
    return oss_server


@pytest.fixture
def push_nib(client: FlaskClient, oss: SimulatorState) -> Callable[..., Any]:
    """OSS pushes a NIB (built and remembered by the simulator) to receiveNIB, signed with today's token.

    push_nib(checklist=[{"kd_izin": PBG}], expect=200, data_nib=None, headers=None, **build_nib kwargs)
    returns (response, dataNIB).
    """

    def _push(
        checklist: list[dict[str, Any]] | None = None,
        *,
        expect: int | None = 200,
        data_nib: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> tuple[Any, dict[str, Any]]:
        data_nib = data_nib or build_nib(
            checklist=checklist if checklist is not None else [{"kd_izin": PBG}], **kw
        )
        oss.remember(data_nib)
        r = client.post(
            "/api/v1/permits/oss/receiveNIB",
            json={"dataNIB": data_nib},
            headers=headers or headers_for(data_nib["nib"], USERNAME, PASSWORD),
        )
        if expect is not None:
            assert r.status_code == expect, r.json
        return r, data_nib

    return _push


@pytest.fixture
def dpmptsp(staff: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return staff("officer", "DPMPTSP")


@pytest.fixture
def putr(staff: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return staff("officer", "DINAS_PUTR")

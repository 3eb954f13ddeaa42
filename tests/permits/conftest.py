"""Permit test helpers: the OSS simulator on a loopback port (our calls go to it over real HTTP), pushes
signed the way OSS signs them, and the staff of DPMPTSP and Dinas PUTR."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.permits.oss_simulator import SimulatorState, build_nib, create_simulator, headers_for, server
from tests.gateway.support import free_port
from tests.payments.conftest import Acquirer, serve_acquirer

USERNAME, PASSWORD, USER_KEY = "pia-test", "pia-test-password", "pia-test-user-key"
PBG = "032000000024"
SIP = "056000000011"
PORTS = (8120, 8129)  # this service's loopback ports: our API served for the acquirer simulator, the simulator


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
def acquirer(app: Flask) -> Iterator[Acquirer]:
    """payments' acquirer simulator (SNAP BI) and our API on real loopback ports, for this test only."""
    with serve_acquirer(app, PORTS) as running:
        yield running


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


PB_UMKU = "068000000001"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PBG_DATA = {
    "luas_lantai": 120,
    "jumlah_lantai": 2,
    "fungsi": "usaha",
    "kelas_bangunan": "sederhana",
    "alamat_bangunan": "Jl. Merdeka No. 45",
}
UMKU_DATA = {"luas_gerai_m2": 150, "nama_gerai": "Swalayan Maju"}


def upload_body(doc_code: str, content: bytes = PDF, content_type: str = "application/pdf") -> dict[str, Any]:

    return {
        "doc_code": doc_code,
        "filename": f"{doc_code}.pdf",
        "content_type": content_type,
        "content_base64": base64.b64encode(content).decode(),
    }


class Journey:
    """An owner's application as the API shows it, with the calls a test makes on it."""

    def __init__(self, client: FlaskClient, owner: dict[str, Any], data_nib: dict[str, Any], app_id: str):
        self.client, self.owner, self.data_nib, self.id = client, owner, data_nib, app_id

    @property
    def url(self) -> str:
        return f"/api/v1/permits/applications/{self.id}"

    def get(self, who: dict[str, Any] | None = None) -> Any:
        r = self.client.get(self.url, headers=(who or self.owner)["headers"])
        assert r.status_code == 200, r.json
        return r

    def act(
        self, who: dict[str, Any], action: str, note: str | None = None, expect: int = 200, **kw: Any
    ) -> Any:
        body = {"action": action} | ({"note": note} if note else {})
        r = self.client.post(f"{self.url}/actions", json=body, headers=who["headers"] | kw.get("headers", {}))
        assert r.status_code == expect, r.json
        return r.json

    def fill(self, data: dict[str, Any]) -> Any:
        etag = self.get().headers["ETag"]
        r = self.client.patch(
            self.url, json={"data": data}, headers=self.owner["headers"] | {"If-Match": etag}
        )
        assert r.status_code == 200, r.json
        return r.json

    def upload(self, doc_code: str, expect: int = 201, **kw: Any) -> Any:
        r = self.client.post(
            f"{self.url}/documents", json=upload_body(doc_code, **kw), headers=self.owner["headers"]
        )
        assert r.status_code == expect, r.json
        return r.json

    def complete(self, data: dict[str, Any]) -> Any:
        self.fill(data)
        for code in self.get().json["required_documents"]:
            self.upload(code)
        return self.act(self.owner, "submit")


@pytest.fixture
def owner_journey(
    client: FlaskClient, citizen: Callable[..., dict[str, Any]], push_nib: Callable[..., Any]
) -> Callable[..., Journey]:
    """OSS pushes a NIB naming a citizen as responsible, she links it: her application from the checklist."""

    def _make(kd_izin: str = PBG, who: dict[str, Any] | None = None) -> Journey:
        owner = who or citizen()
        _, data_nib = push_nib([{"kd_izin": kd_izin}], responsible_nik=owner["resident"].nik)
        r = client.post("/api/v1/permits/businesses", json={"nib": data_nib["nib"]}, headers=owner["headers"])
        assert r.status_code == 200, r.json
        mine = client.get("/api/v1/permits/mine", headers=owner["headers"]).json
        [item] = [a for a in mine["applications"] if a["nib"] == data_nib["nib"]]
        return Journey(client, owner, data_nib, item["id"])

    return _make

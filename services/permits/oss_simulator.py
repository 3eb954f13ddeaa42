"""A local OSS-RBA that speaks PIA v4.3 like the real one: it pushes NIBs with checklists to us, records
our status and licence pushes, answers checkLicenseStatus and inqueryNIB, and can be told to refuse,
fail or time out. `flask --app wsgi oss-simulator` runs it; tests run it on a loopback port.

Control endpoints (the simulator's own, not OSS's): POST /_sim/pushNIB, POST /_sim/pushFileDS,
POST /_sim/faults, GET /_sim/received, GET /_sim/nibs.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from services.permits.oss import JAKARTA, token_for

PREFIX = "/v1/kl/rba"


def new_nib() -> str:
    return "9" + "".join(str(secrets.randbelow(10)) for _ in range(12))


def new_id(prefix: str) -> str:
    return f"{prefix}-{datetime.now(UTC):%Y%m%d%H%M%S}{secrets.randbelow(10**7):07d}"


def build_nib(
    *,
    nib: str | None = None,
    checklist: list[dict[str, Any]] | None = None,
    kd_daerah: str = "1272",
    name: str = "CV SIANTAR MAJU BERSAMA",
    kbli: str = "41011",
    responsible_nik: str | None = None,
) -> dict[str, Any]:
    """A dataNIB as OSS sends it: one project, and a checklist item per entry of `checklist`
    (each at least {"kd_izin": ...}; id_izin, kd_daerah, kewenangan, flag_checklist default)."""
    nib = nib or new_nib()
    project = {"id_proyek": new_id("R"), "kbli": kbli, "skala_resiko": "MT", "uraian_usaha": "Konstruksi"}
    items = []
    for entry in checklist or []:
        item = {
            "id_izin": new_id("I"),
            "jenis_izin": "01",
            "kd_daerah": kd_daerah,
            "kewenangan": "02",
            "flag_checklist": "Y",
            "id_proyek": project["id_proyek"],
        }
        item.update(entry)
        items.append(item)
    today = datetime.now(JAKARTA).date().isoformat()
    return {
        "nib": nib,
        "oss_id": new_id("P"),
        "npwp_perseroan": "012345678901000",
        "nama_perseroan": name,
        "alamat": "Jl. Merdeka No. 45, Pematangsiantar",
        "kd_daerah": kd_daerah,
        "kewenangan": "02",
        "skala_usaha": "02",
        "status_nib": "01",
        "tgl_pengajuan_nib": today,
        "tgl_terbit_nib": today,
        "tgl_perubahan_nib": None,
        "jenis_perseroan": "02",  # OSS sends many fields we do not use
        "data_proyek": [project],
        "data_checklist": items,
        "penanggung_jwb": (
            [{"no_identitas_penanggung_jwb": responsible_nik, "nama_penanggung_jwb": "PEMILIK USAHA"}]
            if responsible_nik
            else []
        ),
    }


def headers_for(nib: str, username: str, password: str, day: Any = None) -> dict[str, str]:
    day = day or datetime.now(JAKARTA).date()
    return {"Token": token_for(username, password, nib, day), "Content-Type": "application/json"}


@dataclass
class Fault:
    mode: str  # refuse | error | timeout
    count: int
    delay: float = 0.0


@dataclass
class SimulatorState:
    user_key: str
    username: str
    password: str
    target: str | None = None  # our API's base URL, for pushes over HTTP
    received: list[dict[str, Any]] = field(default_factory=list)
    nibs: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, data_nib: dict[str, Any]) -> None:
        """OSS knows the NIBs it issued (answers inqueryNIB, accepts statuses for their checklists)."""
        with self.lock:
            self.nibs[data_nib["nib"]] = data_nib

    def fail_next(self, mode: str, count: int = 1, delay: float = 0.0) -> None:
        with self.lock:
            self.faults.append(Fault(mode, count, delay))

    def take_fault(self) -> Fault | None:
        with self.lock:
            while self.faults and self.faults[0].count <= 0:
                self.faults.pop(0)
            if not self.faults:
                return None
            self.faults[0].count -= 1
            return self.faults[0]

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.received if method is None or c["method"] == method]

    def push(self, path: str, payload: dict[str, Any], nib: str) -> tuple[int, Any]:
        """POST a push to our API (the target) with the token OSS would compute."""
        if not self.target:
            raise RuntimeError("no target: start the simulator with --target")
        data = json.dumps(payload).encode()
        url = f"{self.target.rstrip('/')}/api/v1/permits/oss/{path}"
        req = urllib.request.Request(  # noqa: S310 - loopback URL given by the operator
            url, data=data, method="POST", headers=headers_for(nib, self.username, self.password)
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")


class _Handler(WSGIRequestHandler):
    """OSS's `user_key` header has an underscore, which werkzeug's server drops by default."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        if "user_key" in self.headers:
            environ["HTTP_USER_KEY"] = self.headers["user_key"]
        return environ


def server(sim: OssSimulator, port: int, host: str = "127.0.0.1") -> BaseWSGIServer:
    """A threaded HTTP server for the simulator (call serve_forever(); shutdown() to stop)."""
    return make_server(host, port, sim, threaded=True, request_handler=_Handler)


def _answer(method: str, kode: int, keterangan: str, **extra: Any) -> dict[str, Any]:
    return {f"respon{method}": {"kode": kode, "keterangan": keterangan, **extra}}


def jsonify(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _body(req: Request) -> dict[str, Any]:
    body = req.get_json(silent=True)
    return body if isinstance(body, dict) else {}


class OssSimulator:
    """A WSGI app (plain werkzeug: it is another system's edge, not one of our services' routes)."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state
        self.urls = Map(
            [
                Rule(f"{PREFIX}/receiveLicenseStatus", endpoint="receive_license_status", methods=["POST"]),
                Rule(f"{PREFIX}/receiveLicense", endpoint="receive_license", methods=["POST"]),
                Rule(f"{PREFIX}/checkLicenseStatus", endpoint="check_license_status", methods=["POST"]),
                Rule(f"{PREFIX}/inqueryNIB", endpoint="inquery_nib", methods=["POST"]),
                Rule("/_sim/pushNIB", endpoint="push_nib", methods=["POST"]),
                Rule("/_sim/pushFileDS", endpoint="push_file_ds", methods=["POST"]),
                Rule("/_sim/faults", endpoint="faults", methods=["POST"]),
                Rule("/_sim/received", endpoint="received", methods=["GET"]),
                Rule("/_sim/nibs", endpoint="nibs", methods=["GET"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        req = Request(environ)
        try:
            endpoint, _ = self.urls.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(req)
        except NotFound:
            response = jsonify({"kode": 404, "keterangan": "Not found"}, 404)
        except HTTPException as exc:
            response = jsonify({"kode": exc.code, "keterangan": exc.description}, exc.code or 500)
        return response(environ, start_response)

    def _guard(self, req: Request, method: str) -> Response | None:
        state = self.state
        if not secrets.compare_digest(req.headers.get("user_key", ""), state.user_key):
            return jsonify(_answer(method, 401, "user_key tidak valid"), 401)
        fault = state.take_fault()
        if fault is None:
            return None
        if fault.mode == "timeout":
            time.sleep(fault.delay or 5.0)
            return jsonify(_answer(method, 504, "timeout"), 504)
        if fault.mode == "error":
            return jsonify(_answer(method, 500, "Internal server error"), 500)
        return jsonify(_answer(method, 400, "Ditolak oleh simulator"))

    def _record(self, method: str, body: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.received.append({"method": method, "body": body, "at": datetime.now(UTC).isoformat()})

    def receive_license_status(self, req: Request) -> Response:
        refused = self._guard(req, "receiveLicenseStatus")
        if refused:
            return refused
        body = _body(req)
        status = body.get("IZINSTATUS") or {}
        missing = [k for k in ("nib", "id_izin", "kd_izin", "kd_status", "tgl_status") if not status.get(k)]
        if missing:
            return jsonify(_answer("receiveLicenseStatus", 400, f"Field wajib kosong: {', '.join(missing)}"))
        known = self.state.nibs.get(status["nib"])
        if known is None or status["id_izin"] not in {c["id_izin"] for c in known["data_checklist"]}:
            return jsonify(_answer("receiveLicenseStatus", 400, "id_izin tidak ditemukan"))
        self._record("receiveLicenseStatus", body)
        with self.state.lock:
            key = (status["nib"], status["id_izin"])
            self.state.statuses[key] = {
                "kd_status": status["kd_status"],
                "tgl_status": status["tgl_status"],
                "nomor_izin": self.state.statuses.get(key, {}).get("nomor_izin"),
            }
        return jsonify(_answer("receiveLicenseStatus", 200, "Status izin berhasil diterima"))

    def receive_license(self, req: Request) -> Response:
        refused = self._guard(req, "receiveLicense")
        if refused:
            return refused
        body = _body(req)
        final = body.get("IZINFINAL") or {}
        required = ("nib", "id_izin", "nomor_izin", "tgl_terbit_izin", "file_izin")
        missing = [k for k in required if not final.get(k)]
        if missing:
            return jsonify(_answer("receiveLicense", 400, f"Field wajib kosong: {', '.join(missing)}"))
        self._record("receiveLicense", body)
        with self.state.lock:
            self.state.statuses[(final["nib"], final["id_izin"])] = {
                "kd_status": final.get("status_izin") or "50",
                "tgl_status": final["tgl_terbit_izin"],
                "nomor_izin": final["nomor_izin"],
            }
        return jsonify(_answer("receiveLicense", 200, "Izin final berhasil diterima"))

    def check_license_status(self, req: Request) -> Response:
        refused = self._guard(req, "checkLicenseStatus")
        if refused:
            return refused
        query = _body(req).get("checkLicenseStatus") or {}
        found = self.state.statuses.get((query.get("nib", ""), query.get("id_izin", "")))
        if found is None:
            return jsonify(_answer("checkLicenseStatus", 404, "Status izin tidak ditemukan"))
        data = {"nib": query["nib"], "id_izin": query["id_izin"], **found}
        return jsonify(_answer("checkLicenseStatus", 200, "OK", data=data))

    def inquery_nib(self, req: Request) -> Response:
        refused = self._guard(req, "inqueryNIB")
        if refused:
            return refused
        body = _body(req)
        self._record("inqueryNIB", body)
        query = body.get("INQUERYNIB") or {}
        found = self.state.nibs.get(query.get("nib", ""))
        if found is None:
            return jsonify(_answer("inqueryNIB", 404, "NIB tidak ditemukan"))
        return jsonify(_answer("inqueryNIB", 200, "OK", dataNIB=found))

    # ---- the simulator's own controls ----

    def push_nib(self, req: Request) -> Response:
        spec = _body(req)
        data_nib = build_nib(
            nib=spec.get("nib"),
            checklist=spec.get("checklist") or [{"kd_izin": "032000000024"}],
            kd_daerah=spec.get("kd_daerah", "1272"),
            name=spec.get("nama_perseroan", "CV SIANTAR MAJU BERSAMA"),
            kbli=spec.get("kbli", "41011"),
            responsible_nik=spec.get("responsible_nik"),
        )
        self.state.remember(data_nib)
        status, answer = self.state.push("receiveNIB", {"dataNIB": data_nib}, data_nib["nib"])
        return jsonify({"http_status": status, "answer": answer, "dataNIB": data_nib})

    def push_file_ds(self, req: Request) -> Response:
        spec = _body(req)
        payload = {"receiveFileDS": {k: spec.get(k) for k in ("id_izin", "nib", "file_izin")}}
        status, answer = self.state.push("receiveFileDS", payload, spec.get("nib", ""))
        return jsonify({"http_status": status, "answer": answer})

    def faults(self, req: Request) -> Response:
        spec = _body(req)
        self.state.fail_next(
            spec.get("mode", "error"), int(spec.get("count", 1)), float(spec.get("delay", 0))
        )
        return jsonify({"ok": True})

    def received(self, req: Request) -> Response:
        return jsonify({"calls": self.state.calls(req.args.get("method"))})

    def nibs(self, req: Request) -> Response:
        with self.state.lock:
            return jsonify({"nibs": list(self.state.nibs)})


def create_simulator(user_key: str, username: str, password: str, target: str | None = None) -> OssSimulator:
    return OssSimulator(SimulatorState(user_key, username, password, target))

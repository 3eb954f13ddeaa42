#!/usr/bin/env python3
"""The business journey of DESIGN.md against a running API and the OSS simulator, step by step.

Standard library only. OSS pushes a NIB with a PBG checklist item naming Budi (demo citizen) as the
person responsible; Budi links his NIB, fills in the building data and uploads the drawings; DPMPTSP asks
for one correction (the clock stops, 41) and Budi answers (42); Dinas PUTR reviews and inspects; the
retribusi is billed and paid; DPMPTSP approves; OSS receives every status and the licence; anyone
verifies the permit by its QR link.

    make run PORT=8000 &                                             # the API (demo data seeded)
    .venv/bin/flask --app wsgi oss-simulator --port 8030 --target http://127.0.0.1:8000 &
    # the acquirer simulator of payments (:8040) is where Budi's wallet pays the QRIS
    python3 docs/examples/permit_journey.py
    python3 docs/examples/permit_journey.py --base http://127.0.0.1:8010 --oss http://127.0.0.1:8031 \
        --acquirer http://127.0.0.1:8041

The API must call the same simulator: OSS_BASE_URL=http://127.0.0.1:8030/v1/kl/rba (the default).
The payment goes through payments' acquirer simulator (POST /_sim/pay with the invoice's QRIS); where
none runs, the script stops at the billing code and says so (exit status 1).
Exit status 0 when the permit is issued and verifiable and OSS holds every status.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

PBG = "032000000024"
BUDI_NIK, DEMO_PASSWORD = "1272010807929001", "siantar-demo-2026"
PDF = b"%PDF-1.4\n% a drawing\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BUILDING = {
    "luas_lantai": 180,
    "jumlah_lantai": 2,
    "fungsi": "usaha",
    "kelas_bangunan": "sederhana",
    "alamat_bangunan": "Jl. Merdeka No. 45, Pematangsiantar",
}


class ApiError(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(f"HTTP {status}: {json.dumps(body, ensure_ascii=False)}")
        self.status, self.body = status, body


def call(method: str, url: str, body: Any = None, headers: dict | None = None) -> tuple[Any, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the operator's URL
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            raw = response.read()
            kind = response.headers.get("Content-Type", "")
            return (json.loads(raw) if "json" in kind else raw), dict(response.headers)
    except urllib.error.HTTPError as exc:
        raise ApiError(exc.code, json.loads(exc.read() or b"null")) from None


class Person:
    """Someone signed in: their bearer token on every call."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        body, _ = call("POST", f"{base}/api/v1/auth/login", {"username": username, "password": password})
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}

    def __call__(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        return call(method, f"{self.base}{path}", body, {**self.headers, **headers})[0]

    def act(self, app_id: str, action: str, note: str | None = None) -> dict:
        view = self(
            "POST",
            f"/api/v1/permits/applications/{app_id}/actions",
            {"action": action, "note": note} if note else {"action": action},
        )
        print(f"  {action:<20} → {view['state']:<22} kd_status {view['kd_status']}  {note or ''}")
        return view


def upload(owner: Person, app_id: str, code: str) -> None:
    body = {
        "doc_code": code,
        "filename": f"{code}.pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(PDF).decode(),
    }
    owner("POST", f"/api/v1/permits/applications/{app_id}/documents", body)


def wait_for(what: str, check: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def pay(acquirer: str, owner: Person, view: dict) -> None:
    """Budi's wallet pays the invoice's dynamic QRIS at the acquirer (the simulator `make run` starts);
    the acquirer's signed notification tells payments, which tells permits (payments.invoice_paid)."""
    invoice = owner("GET", f"/api/v1/payments/invoices/{view['invoice_id']}")
    print(f"  retribusi Rp{invoice['amount']:,} billing code {invoice['billing_code']}")
    try:
        call("POST", f"{acquirer}/_sim/pay", {"qris": invoice["qris"], "payer": "BUDI-WALLET"})
    except (ApiError, OSError) as exc:
        raise SystemExit(
            f"no acquirer at {acquirer} ({exc}): pay billing code {invoice['billing_code']}"
        ) from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--oss", default="http://127.0.0.1:8030", help="the OSS simulator")
    parser.add_argument("--acquirer", default="http://127.0.0.1:8040", help="the acquirer simulator")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    print("1. OSS pushes a NIB with a PBG checklist item naming Budi as responsible")
    pushed, _ = call(
        "POST", f"{args.oss}/_sim/pushNIB", {"checklist": [{"kd_izin": PBG}], "responsible_nik": BUDI_NIK}
    )
    nib = pushed["dataNIB"]["nib"]
    print(f"  NIB {nib}: {pushed['answer']}")

    print("2. Budi links his NIB and completes the application")
    budi = Person(base, BUDI_NIK, DEMO_PASSWORD)
    budi("POST", "/api/v1/permits/businesses", {"nib": nib})
    [item] = [a for a in budi("GET", "/api/v1/permits/mine")["applications"] if a["nib"] == nib]
    app_id = item["id"]
    _, headers = call("GET", f"{base}/api/v1/permits/applications/{app_id}", headers=budi.headers)
    budi(
        "PATCH", f"/api/v1/permits/applications/{app_id}", {"data": BUILDING}, **{"If-Match": headers["ETag"]}
    )
    for code in ("gambar_arsitektur", "gambar_struktur", "bukti_tanah"):
        upload(budi, app_id, code)
    view = budi.act(app_id, "submit")
    print(f"  deadline {view['clock']['due_at']}, screening due {view['clock']['step_due_at']}")

    print("3. DPMPTSP asks for a correction; the clock stops; Budi answers")
    dpmptsp = Person(base, "dpmptsp.officer", DEMO_PASSWORD)
    dpmptsp.act(app_id, "request_correction", "Gambar struktur belum ditandatangani perencana")
    paused = budi("GET", f"/api/v1/permits/applications/{app_id}")["clock"]
    print(f"  Budi sees: paused={paused['paused']} because {paused['pause_reason']!r}")
    upload(budi, app_id, "gambar_struktur")
    budi.act(app_id, "answer_correction", "Gambar sudah ditandatangani")
    dpmptsp.act(app_id, "complete_step")

    print("4. Dinas PUTR reviews and inspects")
    putr = Person(base, "putr.officer", DEMO_PASSWORD)
    putr.act(app_id, "complete_step", "Rekomendasi TPA: memenuhi standar teknis")
    view = putr.act(app_id, "complete_step", "Peninjauan lapangan sesuai gambar")

    if view["state"] == "awaiting_payment":
        print("5. The retribusi")
        pay(args.acquirer.rstrip("/"), budi, view)
        wait_for(
            "the payment",
            lambda: budi("GET", f"/api/v1/permits/applications/{app_id}")["state"] == "approval",
            120,
        )
        print("  paid: payments.invoice_paid → OSS status 32, on to approval")

    print("6. DPMPTSP approves: the permit is numbered, signed and sent to OSS")
    view = dpmptsp.act(app_id, "approve", "Memenuhi persyaratan")
    permit = view["permit"]
    print(
        f"  permit {permit['number']}, valid from {permit['valid_from']} until {permit['valid_until'] or 'no expiry'}"
    )

    print("7. Anyone verifies it by the QR link")
    verified = wait_for("the signed PDF", lambda: (v := call("GET", permit["verify_url"])[0])["signed"] and v)
    print(f"  {verified['status']} {verified['number']}: {verified['public']}")

    print("8. What OSS received")
    statuses = call("GET", f"{args.oss}/_sim/received?method=receiveLicenseStatus")[0]["calls"]
    ours = [c["body"]["IZINSTATUS"] for c in statuses if c["body"]["IZINSTATUS"]["nib"] == nib]
    print("  receiveLicenseStatus:", " ".join(s["kd_status"] for s in ours))
    final = wait_for(
        "receiveLicense",
        lambda: [
            c
            for c in call("GET", f"{args.oss}/_sim/received?method=receiveLicense")[0]["calls"]
            if c["body"]["IZINFINAL"]["nib"] == nib
        ],
    )
    print(
        f"  receiveLicense: nomor_izin {final[0]['body']['IZINFINAL']['nomor_izin']} file_izin {final[0]['body']['IZINFINAL']['file_izin']}"
    )
    return 0 if verified["status"] == "valid" and {"41", "42", "50"} <= {s["kd_status"] for s in ours} else 1


if __name__ == "__main__":
    sys.exit(main())

"""DESIGN.md's parking journey, end to end over real HTTP with the acquirer simulator: an attendant
starts a session on his handheld, the driver's wallet pays the QRIS for exactly Rp3,000 at the acquirer,
its signed notification marks the visit paid, the handheld's long-poll sees it, and at night the
reconciliation shows every rupiah per attendant, zone and device."""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from PIL import Image

from gateway.kernel import clock
from services.parking import jobs
from services.payments import api as payments
from services.payments import qris
from tests.conftest import PASSWORD
from tests.parking.conftest import DEVICE, IN_SUTOMO
from tests.pdf_tools import scan_qr


def test_a_car_parks_pays_rp3000_at_the_acquirer_and_the_night_reconciles_it(
    app, acquirer, attendant, dishub, run_jobs
):
    api = f"{acquirer.api}/api/v1"
    jukir = attendant("SUTOMO-1")
    login = requests.post(
        f"{api}/auth/login", json={"username": jukir["staff"].username, "password": PASSWORD}, timeout=10
    )
    assert login.status_code == 200
    handheld = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert requests.get(f"{api}/parking/me/zones", headers=handheld, timeout=10).json()["zones"] == [
        "SUTOMO-1"
    ]

    # 08:15 a car stops on Jl. Sutomo; the attendant types the plate, the handheld makes the visit's id.
    body = {
        "id": str(uuid.uuid4()),
        "zone_code": "SUTOMO-1",
        "device_id": DEVICE,
        "plate": "bk 1234 abc",
        "vehicle_class": "car",
        **IN_SUTOMO,
    }
    started = requests.post(f"{api}/parking/sessions", json=body, headers=handheld, timeout=10)
    assert started.status_code == 201, started.text
    visit = started.json()
    assert (visit["plate"], visit["amount"], visit["payment_state"]) == ("BK 1234 ABC", 3000, "unpaid")

    # The QR on the handheld's screen, scanned as a wallet scans it, then read field by field.
    assert scan_qr(Image.open(io.BytesIO(payments.qris_png(visit["qris"])))) == [visit["qris"]]
    code = qris.parse(visit["qris"])
    assert code.is_dynamic and code.amount == "3000" and code.amount_rupiah == 3000
    assert (code.reference_label, code.terminal_label) == (visit["reference"], DEVICE)
    receipt = requests.get(
        f"{api}/parking/sessions/{visit['id']}/receipt", headers=handheld, timeout=10
    ).json()
    assert "Rp3.000" in receipt["printable"] and receipt["code"] in receipt["printable"]
    assert receipt["code"].startswith(visit["reference"])

    # The handheld long-polls; the driver's wallet pays at the acquirer, whose signed notification
    # reaches our API; the worker hands payments.invoice_paid to parking.
    payment = f"{api}/parking/sessions/{visit['id']}/payment?wait=10"
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(requests.get, payment, headers=handheld, timeout=30)
        paid = acquirer.pay(visit["qris"])
        assert (paid["partnerReferenceNo"], paid["amount"]) == (visit["reference"], 3000)
        assert acquirer.sim.idle()
        assert [a["status"] for a in acquirer.attempts()] == [200]
        run_jobs()
        seen = waiting.result()
    assert seen.status_code == 200 and seen.json()["payment_state"] == "paid" and seen.json()["paid_at"]

    ended = requests.post(f"{api}/parking/sessions/{visit['id']}/end", json={}, headers=handheld, timeout=10)
    assert ended.json()["state"] == "ended"
    check = requests.post(
        f"{api}/parking/enforcement/check",
        json={"plate": "BK 1234 ABC", **IN_SUTOMO},
        headers=dishub["headers"],
        timeout=10,
    ).json()
    assert check["allowed"] is True and check["session"]["payment_state"] == "paid"

    # The night: the worker's hourly run reconciles yesterday once.
    with app.app_context(), clock.frozen(clock.now() + timedelta(days=1)):
        jobs.reconcile_nightly()
    for group, key in (("attendant", jukir["staff"].id), ("zone", "SUTOMO-1"), ("device", DEVICE)):
        runs = requests.get(
            f"{api}/parking/reconciliation/nightly?group={group}", headers=dishub["headers"], timeout=10
        ).json()
        row = runs[0]["result"]["rows"][0]
        assert (row["key"], row["started"], row["paid"], row["unpaid"]) == (key, 1, 1, 0)
        assert (row["due"], row["collected"]) == (3000, 3000) and row["flags"] == []

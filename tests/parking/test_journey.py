"""DESIGN.md's parking journey, end to end over HTTP: an attendant starts a session on his handheld,
the driver's QRIS payment for exactly Rp3,000 marks it paid, and at night the reconciliation shows
every rupiah per attendant, zone and device."""

from __future__ import annotations

import uuid
from datetime import timedelta

from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.parking import jobs
from services.parking.models import Session
from services.payments import qris
from services.payments import service as payments_service  # the QRIS channel's side (acquirer confirmed)
from tests.conftest import PASSWORD
from tests.parking.conftest import DEVICE, IN_SUTOMO


def test_a_car_parks_pays_rp3000_by_qris_and_the_night_reconciles_it(
    app, client, attendant, dishub, run_jobs
):
    jukir = attendant("SUTOMO-1")
    login = client.post(
        "/api/v1/auth/login", json={"username": jukir["staff"].username, "password": PASSWORD}
    )
    assert login.status_code == 200
    handheld = {"Authorization": f"Bearer {login.json['access_token']}"}
    assert client.get("/api/v1/parking/me/zones", headers=handheld).json["zones"] == ["SUTOMO-1"]

    # 08:15 a car stops on Jl. Sutomo; the attendant types the plate, the handheld makes the visit's id.
    body = {
        "id": str(uuid.uuid4()),
        "zone_code": "SUTOMO-1",
        "device_id": DEVICE,
        "plate": "bk 1234 abc",
        "vehicle_class": "car",
        **IN_SUTOMO,
    }
    visit = client.post("/api/v1/parking/sessions", json=body, headers=handheld)
    assert visit.status_code == 201, visit.json
    visit = visit.json
    code = qris.parse(visit["qris"])
    assert code.is_dynamic and code.amount_rupiah == 3000 and code.terminal_label == DEVICE
    receipt = client.get(f"/api/v1/parking/sessions/{visit['id']}/receipt", headers=handheld).json
    assert "Rp3.000" in receipt["printable"] and receipt["code"] in receipt["printable"]

    # The driver scans it with any wallet; the acquirer confirms exactly Rp3,000 to payments.
    with app.app_context(), UnitOfWork() as uow:
        invoice_id = session_of(uow).get(Session, visit["id"]).invoice_id
    with app.app_context(), UnitOfWork() as uow:
        payments_service.record_payment(
            uow,
            invoice_id=invoice_id,
            channel="qris",
            reference="ACQ-JOURNEY-1",
            amount=3000,
            paid_at=clock.now(),
        )
        uow.commit()
    run_jobs()
    paid = client.get(f"/api/v1/parking/sessions/{visit['id']}/payment?wait=5", headers=handheld).json
    assert paid["payment_state"] == "paid"
    ended = client.post(f"/api/v1/parking/sessions/{visit['id']}/end", json={}, headers=handheld).json
    assert ended["state"] == "ended"
    check = client.post(
        "/api/v1/parking/enforcement/check",
        json={"plate": "BK 1234 ABC", **IN_SUTOMO},
        headers=dishub["headers"],
    ).json
    assert check["allowed"] is True and check["session"]["payment_state"] == "paid"

    # The night: the worker's hourly run reconciles yesterday once.
    with app.app_context(), clock.frozen(clock.now() + timedelta(days=1)):
        jobs.reconcile_nightly()
    for group, key in (("attendant", jukir["staff"].id), ("zone", "SUTOMO-1"), ("device", DEVICE)):
        runs = client.get(
            f"/api/v1/parking/reconciliation/nightly?group={group}", headers=dishub["headers"]
        ).json
        row = runs[0]["result"]["rows"][0]
        assert (row["key"], row["started"], row["paid"], row["unpaid"]) == (key, 1, 1, 0)
        assert (row["due"], row["collected"]) == (3000, 3000) and row["flags"] == []

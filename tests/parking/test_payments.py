"""Paying for visits and subscriptions through payments: a dynamic QRIS per visit (62/07 the
handheld), paid only by payments.invoice_paid, seen by the handheld within a long-poll; the app pays
by reference; a subscribed plate needs no QRIS; a reminder before the month ends."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from gateway.notify import InboxItem
from services.parking import jobs
from services.parking.models import Session
from services.payments import qris
from services.payments import service as payments_service  # tests only: the acquirer's side
from tests.parking.conftest import DEVICE


def pay(app, run_jobs, invoice_id: str, amount: int, reference: str = "ACQ-1") -> None:
    """What the QRIS channel does when the acquirer confirms a payment; then the subscribers run."""
    with app.app_context(), UnitOfWork() as uow:
        payments_service.record_payment(
            uow,
            invoice_id=invoice_id,
            channel="qris",
            reference=reference,
            amount=amount,
            paid_at=clock.now(),
        )
        uow.commit()
    run_jobs()


def _invoice_id(app, session_id: str) -> str:
    with app.app_context(), UnitOfWork() as uow:
        return session_of(uow).get(Session, session_id).invoice_id


def test_a_visit_gets_an_exact_qris_and_is_paid_only_by_payments(app, client, attendant, start, run_jobs):
    jukir = attendant()
    visit = start(jukir["headers"]).json
    code = qris.parse(visit["qris"])
    assert code.amount_rupiah == 3000 and code.terminal_label == DEVICE
    assert code.reference_label == visit["reference"] and visit["billing_code"] != visit["reference"]
    status = client.get(f"/api/v1/parking/sessions/{visit['id']}/payment", headers=jukir["headers"]).json
    assert status["payment_state"] == "unpaid"
    pay(app, run_jobs, _invoice_id(app, visit["id"]), 3000)
    after = client.get(f"/api/v1/parking/sessions/{visit['id']}", headers=jukir["headers"]).json
    assert after["payment_state"] == "paid" and after["paid_at"] and after["qris"] is None
    # the acquirer's notification again changes nothing
    pay(app, run_jobs, _invoice_id(app, visit["id"]), 3000)
    assert (
        client.get(f"/api/v1/parking/sessions/{visit['id']}", headers=jukir["headers"]).json["paid_at"]
        == after["paid_at"]
    )


def test_the_handheld_long_poll_answers_when_the_payment_arrives(app, client, attendant, start):
    jukir = attendant()
    visit = start(jukir["headers"]).json
    invoice_id = _invoice_id(app, visit["id"])

    def pay_while_waiting() -> None:
        # The acquirer's confirmation arrives while the handheld waits; the subscriber job runs in this
        # thread (an RQ worker cannot run outside the main thread: it installs signal handlers).
        with app.app_context(), UnitOfWork() as uow:
            payments_service.record_payment(
                uow,
                invoice_id=invoice_id,
                channel="qris",
                reference="ACQ-LP",
                amount=3000,
                paid_at=clock.now(),
            )
            uow.commit()
        with app.app_context():
            jobs.on_invoice_paid(
                event="payments.invoice_paid",
                invoice_id=invoice_id,
                purpose="parking.retribusi",
                purpose_ref=visit["id"],
            )

    payer = threading.Timer(0.5, pay_while_waiting)
    payer.start()
    try:
        r = client.get(f"/api/v1/parking/sessions/{visit['id']}/payment?wait=20", headers=jukir["headers"])
    finally:
        payer.join()
    assert r.status_code == 200 and r.json["payment_state"] == "paid"


def test_a_citizen_pays_a_visit_from_the_app_by_its_reference(
    app, client, attendant, start, citizen, run_jobs
):
    jukir = attendant()
    visit = start(jukir["headers"]).json
    driver = citizen()
    r = client.get(f"/api/v1/parking/pay/{visit['reference'].lower()}", headers=driver["headers"])
    assert r.status_code == 200 and r.json["amount"] == 3000 and r.json["plate"] == "BK 12** ***"
    assert qris.parse(r.json["qris"]).amount_rupiah == 3000
    pay(app, run_jobs, r.json["invoice_id"], 3000)
    again = client.get(f"/api/v1/parking/pay/{visit['reference']}", headers=driver["headers"]).json
    assert again["payment_state"] == "paid" and again["qris"] is None
    assert client.get("/api/v1/parking/pay/P00000000000", headers=driver["headers"]).status_code == 404


def test_a_subscribed_plate_is_covered_without_a_qris(
    app, client, citizen, attendant, start, dishub, run_jobs
):
    owner = citizen()
    client.post(
        "/api/v1/parking/plates",
        json={"plate": "BK 1234 ABC", "vehicle_class": "car"},
        headers=owner["headers"],
    )
    month = clock.local_today().strftime("%Y-%m")
    r = client.post(
        "/api/v1/parking/subscriptions",
        json={"plate": "BK 1234 ABC", "vehicle_class": "car", "month": month},
        headers=owner["headers"],
    )
    assert r.status_code == 201, r.json
    sub = r.json
    assert (
        sub["amount"] == 100000
        and sub["state"] == "pending"
        and qris.parse(sub["qris"]).amount_rupiah == 100000
    )
    again = client.post(
        "/api/v1/parking/subscriptions",
        json={"plate": "BK 1234 ABC", "vehicle_class": "car", "month": month},
        headers=owner["headers"],
    )
    assert again.status_code == 409 and again.json["reason"] == "subscription_exists"
    with app.app_context(), UnitOfWork() as uow:
        from services.parking.models import Subscription

        invoice_id = session_of(uow).get(Subscription, sub["id"]).invoice_id
    pay(app, run_jobs, invoice_id, 100000)
    assert client.get("/api/v1/parking/subscriptions", headers=owner["headers"]).json[0]["state"] == "active"

    check = {"plate": "BK 1234 ABC", "zone_code": "SUTOMO-1"}
    r = client.post("/api/v1/parking/enforcement/check", json=check, headers=dishub["headers"])
    assert r.json["allowed"] is True and r.json["reason"] == "subscription"
    jukir = attendant()
    visit = start(jukir["headers"]).json
    assert (
        visit["payment_state"] == "subscription" and visit["qris"] is None and visit["billing_code"] is None
    )


def test_subscriptions_only_for_my_registered_plates_and_current_months(client, citizen, zones):
    owner = citizen()
    body = {"plate": "BK 77 X", "vehicle_class": "motorcycle", "month": clock.local_today().strftime("%Y-%m")}
    r = client.post("/api/v1/parking/subscriptions", json=body, headers=owner["headers"])
    assert r.status_code == 422 and r.json["reason"] == "plate_not_registered"
    client.post(
        "/api/v1/parking/plates",
        json={"plate": "BK 77 X", "vehicle_class": "motorcycle"},
        headers=owner["headers"],
    )
    r = client.post(
        "/api/v1/parking/subscriptions", json={**body, "month": "2025-01"}, headers=owner["headers"]
    )
    assert r.status_code == 422 and r.json["reason"] == "month_past"
    r = client.post(
        "/api/v1/parking/subscriptions", json={**body, "zones": ["NOPE-9"]}, headers=owner["headers"]
    )
    assert r.status_code == 404 and r.json["reason"] == "zone_not_found"
    r = client.post(
        "/api/v1/parking/subscriptions", json={**body, "zones": ["SUTOMO-1"]}, headers=owner["headers"]
    )
    assert r.status_code == 201 and r.json["zones"] == ["SUTOMO-1"] and r.json["amount"] == 50000


def test_subscribers_are_reminded_before_the_month_ends(app, client, citizen, zones, run_jobs):
    from services.parking import jobs

    owner = citizen()
    client.post(
        "/api/v1/parking/plates", json={"plate": "BK 8 R", "vehicle_class": "car"}, headers=owner["headers"]
    )
    month = clock.local_today().strftime("%Y-%m")
    sub = client.post(
        "/api/v1/parking/subscriptions",
        json={"plate": "BK 8 R", "vehicle_class": "car", "month": month},
        headers=owner["headers"],
    ).json
    with app.app_context(), UnitOfWork() as uow:
        from services.parking.models import Subscription

        invoice_id = session_of(uow).get(Subscription, sub["id"]).invoice_id
    pay(app, run_jobs, invoice_id, 100000)
    last_day = client.get("/api/v1/parking/subscriptions", headers=owner["headers"]).json[0]["ends_on"]
    from datetime import date, datetime, time

    near_end = datetime.combine(date.fromisoformat(last_day), time(9), clock.local_tz()) - timedelta(days=1)
    with app.app_context():
        with clock.frozen(near_end):
            jobs.remind_subscriptions()
            jobs.remind_subscriptions()
        with UnitOfWork() as uow:
            items = list(
                session_of(uow).scalars(
                    select(InboxItem).where(InboxItem.resident_id == owner["resident"].id)
                )
            )
    reminders = [i for i in items if i.kind == "parking_subscription_expiring"]
    assert len(reminders) == 1 and "BK 8 R" in reminders[0].body

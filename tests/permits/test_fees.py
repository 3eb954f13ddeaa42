"""The retribusi: computed from the catalogue's formula, billed through payments with a billing code
(OSS gets it in data_pnbp), the application waits with the clock stopped until payments.invoice_paid,
and is void when the invoice expires unpaid."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.payments import jobs as payment_jobs
from services.payments import service as payments_service
from services.permits import jobs
from tests.permits.conftest import PBG, PBG_DATA

# 120 m2 × SHST 4,850,000 × ILO 0.005 × usaha 0.7 × sederhana 0.4
PBG_FEE = 814_800


def _to_payment(journey, dpmptsp, putr) -> dict:
    journey.complete(PBG_DATA)
    journey.act(dpmptsp, "complete_step")
    journey.act(putr, "complete_step")
    return journey.act(putr, "complete_step")


def _pay(app, invoice_id: str, amount: int) -> None:
    """The acquirer's confirmation as payments records it (payments' own code path)."""
    with app.app_context(), UnitOfWork() as uow:
        payments_service.record_payment(
            uow,
            invoice_id=invoice_id,
            channel="qris",
            reference=f"ACQ{secrets.token_hex(6)}",
            amount=amount,
            paid_at=clock.now(),
        )
        uow.commit()


def test_the_fee_quote_uses_the_catalogue_formula(client):
    r = client.post("/api/v1/permits/types/PBG/fee", json={"data": PBG_DATA})
    assert r.json == {"permit_type": "PBG", "amount": PBG_FEE}


def test_after_inspection_the_retribusi_is_billed_and_the_clock_stops(
    client, owner_journey, dpmptsp, putr, run_jobs, oss
):
    journey = owner_journey(PBG)
    view = _to_payment(journey, dpmptsp, putr)
    assert view["state"] == "awaiting_payment" and view["kd_status"] == "30"
    assert view["fee_amount"] == PBG_FEE and len(view["billing_code"]) == 13 and view["invoice_id"]
    assert view["clock"]["paused"] and view["clock"]["pause_reason"] == "Menunggu pembayaran retribusi"
    invoices = client.get("/api/v1/me/invoices", headers=journey.owner["headers"]).json
    assert [i["billing_code"] for i in invoices] == [view["billing_code"]]
    run_jobs()
    pnbp = oss.calls("receiveLicenseStatus")[-1]["body"]["IZINSTATUS"]["data_pnbp"]
    assert pnbp["kd_billing"] == view["billing_code"] and pnbp["nominal"] == PBG_FEE and pnbp["tgl_expire"]


def test_payment_moves_the_application_to_approval(app, client, owner_journey, dpmptsp, putr, run_jobs, oss):
    journey = owner_journey(PBG)
    view = _to_payment(journey, dpmptsp, putr)
    assert journey.act(dpmptsp, "approve", expect=409)["reason"] == "invalid_transition"
    _pay(app, view["invoice_id"], PBG_FEE)
    run_jobs()
    view = journey.get().json
    assert view["state"] == "approval" and not view["clock"]["paused"]
    view = journey.act(dpmptsp, "approve", "Memenuhi persyaratan")
    assert view["state"] == "issued"
    run_jobs()
    codes = [c["body"]["IZINSTATUS"]["kd_status"] for c in oss.calls("receiveLicenseStatus")]
    assert codes[-5:] == ["30", "32", "45", "49", "50"]


def test_an_invoice_unpaid_by_its_deadline_voids_the_application(
    app, client, owner_journey, dpmptsp, putr, run_jobs, oss
):
    journey = owner_journey(PBG)
    view = _to_payment(journey, dpmptsp, putr)
    later = datetime.fromisoformat(view["clock"]["step_due_at"]) + timedelta(minutes=1)
    with app.app_context(), clock.frozen(later):
        payment_jobs.expire_invoices()
    run_jobs()
    view = journey.get().json
    assert view["state"] == "void" and view["kd_status"] == "33"
    _pay(app, view["invoice_id"], PBG_FEE)  # the wallet was debited after the fact
    run_jobs()
    assert journey.get().json["state"] == "void"
    assert any(h["action"] == "paid_after_void" for h in journey.get(dpmptsp).json["history"])


def test_the_sweep_voids_when_payments_has_not_expired_the_invoice_yet(
    app, client, owner_journey, dpmptsp, putr
):
    journey = owner_journey(PBG)
    view = _to_payment(journey, dpmptsp, putr)
    later = datetime.fromisoformat(view["clock"]["step_due_at"]) + timedelta(minutes=1)
    with app.app_context(), clock.frozen(later):
        assert jobs.sla_sweep()["void"] == 1
    assert journey.get().json["state"] == "void"
    invoices = client.get("/api/v1/me/invoices", headers=journey.owner["headers"]).json
    assert invoices[0]["state"] == "cancelled"

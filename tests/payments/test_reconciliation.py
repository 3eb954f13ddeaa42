"""Reconciliation of a day against the acquirer simulator's settlement report, fetched over HTTP by our
adapter (or read from the settlement directory): matched, missing at the bank, missing here, amount
mismatch; one task per difference; nothing matched twice; the settlement posted to the ledger."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.payments import api, jobs
from services.payments.models import LedgerTransaction, Reconciliation
from tests.payments.conftest import wait_for

RECON = "/api/v1/payments/reconciliations"
TASKS = "/api/v1/payments/reconciliation-tasks"


def _paid(app, invoice_id) -> bool:
    with app.app_context(), UnitOfWork() as uow:
        return api.get_invoice(uow, invoice_id).state == "paid"


def _pay_at_the_bank(app, acquirer, invoice) -> dict:
    paid = acquirer.pay(invoice.qris)
    assert wait_for(lambda: _paid(app, invoice.id))
    return paid


def _settlements(app) -> int:
    with app.app_context(), UnitOfWork() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "settlement")
        )


def test_a_day_paid_through_the_acquirer_reconciles_to_zero_and_nothing_matches_twice(
    app, client, finance, make_invoice, acquirer
):
    today = clock.local_today().isoformat()
    invoices = [make_invoice(amount=150_000), make_invoice(amount=3_000, purpose="parking.retribusi")]
    for invoice in invoices:
        _pay_at_the_bank(app, acquirer, invoice)

    r = client.post(RECON, json={"date": today}, headers=finance["headers"])
    assert r.status_code == 201, r.json
    assert (r.json["report_lines"], r.json["newly_matched"], r.json["matched"]) == (2, 2, 2)
    assert (r.json["missing_at_bank"], r.json["missing_here"], r.json["amount_mismatch"]) == (0, 0, 0)
    assert r.json["matched_amount"] == 153_000 and r.json["ledger_transaction_id"]

    again = client.post(RECON, json={"date": today}, headers=finance["headers"])
    assert (again.json["newly_matched"], again.json["matched"]) == (0, 2)
    assert again.json["ledger_transaction_id"] is None and _settlements(app) == 1

    day = client.get(f"{RECON}/{today}", headers=finance["headers"]).json
    assert (day["reconciled"], day["differences"], day["matched"]) == (True, 0, 2)
    assert [run["trigger"] for run in day["runs"]] == ["on_demand", "on_demand"] and day["tasks"] == []

    balances = {
        b["account"]: b["balance"]
        for b in client.get("/api/v1/payments/ledger/balances", headers=finance["headers"]).json
    }
    fees = 150_000 * 3 // 1000 + 3_000 * 3 // 1000  # the simulator's MDR, 0.3 % per payment
    assert balances["asset:acquirer_clearing"] == 0  # everything the acquirer owed us was settled
    assert (balances["asset:bank"], balances["expense:mdr_fees"]) == (153_000 - fees, fees)

    csv = client.get(f"{RECON}/{today}/report.csv", headers=finance["headers"])
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    rows = csv.text.strip().splitlines()
    assert rows[0] == "status,reference_no,billing_code,our_amount,bank_amount,task_id,task_state"
    assert sorted(row.split(",")[2] for row in rows[1:]) == sorted(i.billing_code for i in invoices)
    assert all(row.startswith("matched,") for row in rows[1:])
    metrics = client.get("/metrics").text
    assert 'payments_reconciliation_differences{kind="missing_here"} 0.0' in metrics
    assert "payments_reconciliation_matched 2.0" in metrics


def test_differences_open_one_task_each_and_a_late_match_closes_its_own(
    app, client, citizen, finance, make_invoice, pay, acquirer
):
    today = clock.local_today().isoformat()
    siti = citizen()
    matched = make_invoice(amount=10_000)
    _pay_at_the_bank(app, acquirer, matched)
    ours_only = make_invoice(amount=20_000)
    pay(ours_only.id, reference="ACQ-NEVER-SETTLED")  # recorded here, the bank never had it
    lost = make_invoice(amount=30_000, payer_resident_id=siti["resident"].id)
    client.get(f"/api/v1/payments/invoices/{lost.id}/qris.png", headers=siti["headers"])
    acquirer.fault("drop")
    lost_at_bank = acquirer.pay(lost.qris)  # the bank has it, its notification never came
    assert acquirer.sim.idle()
    seeded = make_invoice(amount=40_000)
    mismatch = _pay_at_the_bank(app, acquirer, seeded)
    with acquirer.sim.state.lock:  # the seeded mismatch: the bank settles another amount
        acquirer.sim.state.transactions[mismatch["referenceNo"]].amount = 39_000

    first = client.post(RECON, json={"date": today}, headers=finance["headers"]).json
    assert "matched" in first, first
    assert (first["matched"], first["missing_at_bank"], first["missing_here"], first["amount_mismatch"]) == (
        1, 1, 1, 1,
    )  # fmt: skip
    client.post(RECON, json={"date": today}, headers=finance["headers"])  # seen again: no new task
    tasks = client.get(f"{TASKS}?state=open", headers=finance["headers"]).json
    by_kind = {t["kind"]: t for t in tasks}
    assert len(tasks) == 3 and set(by_kind) == {"missing_at_bank", "missing_here", "amount_mismatch"}
    assert (by_kind["missing_at_bank"]["reference"], by_kind["missing_at_bank"]["our_amount"]) == (
        "ACQ-NEVER-SETTLED", 20_000,
    )  # fmt: skip
    assert by_kind["missing_here"]["reference"] == lost_at_bank["referenceNo"]
    assert by_kind["missing_here"]["billing_code"] == lost.billing_code
    assert (by_kind["amount_mismatch"]["our_amount"], by_kind["amount_mismatch"]["bank_amount"]) == (
        40_000, 39_000,
    )  # fmt: skip
    metrics = client.get("/metrics").text
    assert 'payments_reconciliation_differences{kind="amount_mismatch"} 1.0' in metrics
    csv_rows = client.get(f"{RECON}/{today}/report.csv", headers=finance["headers"]).text.splitlines()
    assert sorted(row.split(",")[0] for row in csv_rows[1:]) == [
        "amount_mismatch", "matched", "missing_at_bank", "missing_here",
    ]  # fmt: skip

    url = f"{TASKS}/{by_kind['amount_mismatch']['id']}/resolve"
    done = client.post(
        url, json={"resolution": "bank corrected in the next report"}, headers=finance["headers"]
    )
    assert done.status_code == 200 and (done.json["state"], done.json["resolved_by"]) == (
        "resolved",
        finance["staff"].id,
    )
    twice = client.post(url, json={"resolution": "again"}, headers=finance["headers"])
    assert twice.status_code == 409 and twice.json["reason"] == "reconciliation_task_resolved"

    with app.app_context(), clock.frozen(clock.now() + timedelta(minutes=6)):
        assert jobs.poll_acquirer()["paid"] == 1  # the lost notification recovered by the poll
    after = client.post(RECON, json={"date": today}, headers=finance["headers"]).json
    assert (after["newly_matched"], after["matched"], after["missing_here"]) == (1, 2, 0)
    closed = client.get(f"{TASKS}?kind=missing_here", headers=finance["headers"]).json
    assert [(t["state"], t["resolved_by"]) for t in closed] == [("resolved", "reconciliation")]
    assert len(client.get(f"{TASKS}?state=open", headers=finance["headers"]).json) == 1


def test_a_report_that_is_not_the_agreed_csv_or_is_not_there_changes_nothing(
    app, client, finance, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "PAYMENTS_SETTLEMENT_DIR", str(tmp_path))
    today = clock.local_today()
    r = client.post(RECON, json={"date": today.isoformat()}, headers=finance["headers"])
    assert r.status_code == 503 and r.json["reason"] == "settlement_report_unavailable"
    (tmp_path / f"settlement-{today.isoformat()}.csv").write_text(
        f"settlement_date,reference_no,amount\n{today.isoformat()},X1,1000\n"
    )
    r = client.post(RECON, json={"date": today.isoformat()}, headers=finance["headers"])
    assert r.status_code == 502 and r.json["reason"] == "settlement_report_invalid"
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Reconciliation)) == 0
    bad_day = client.get(f"{RECON}/2026-13-01", headers=finance["headers"])
    assert bad_day.status_code == 422 and bad_day.json["reason"] == "validation_failed"


def test_the_daily_job_reconciles_yesterday_once_from_the_settlement_directory(
    app, make_invoice, acquirer, tmp_path, monkeypatch
):
    assert "services.payments.jobs:reconcile_daily" in {p.path for p in app.extensions["modules"].periodic}
    invoice = make_invoice(amount=5_000)
    _pay_at_the_bank(app, acquirer, invoice)
    today = clock.local_today()
    path = acquirer.sim.write_settlement(today, str(tmp_path))  # the bank drops the day's report
    assert path.endswith(f"settlement-{today.isoformat()}.csv")
    monkeypatch.setitem(app.config, "PAYMENTS_SETTLEMENT_DIR", str(tmp_path))
    with app.app_context(), clock.frozen(clock.now() + timedelta(days=1)):
        jobs.reconcile_daily()
        jobs.reconcile_daily()  # the next hour: yesterday is done
    with app.app_context(), UnitOfWork() as uow:
        runs = uow.session.scalars(select(Reconciliation)).all()
    assert [(r.business_date, r.trigger, r.matched, r.missing_here + r.missing_at_bank) for r in runs] == [
        (today, "daily", 1, 0)
    ]


def test_only_finance_and_admins_reconcile(client, citizen, staff):
    for who in (citizen(), staff("officer", "DPMPTSP")):
        assert client.post(RECON, json={"date": "2026-12-01"}, headers=who["headers"]).status_code == 403
        assert client.get(TASKS, headers=who["headers"]).status_code == 403

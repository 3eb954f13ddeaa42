"""Paying by QRIS through the acquirer simulator, over real HTTP both ways: its signed notifications
(also dropped, duplicated, delayed, corrupted), our refusals, the status poll, and our SNAP client."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.payments import api, jobs, qris, settings, snap
from services.payments.adapters.acquirer import AcquirerError
from services.payments.models import Notification, Payment
from tests.payments.conftest import wait_for


def _state(app, invoice_id):
    with app.app_context(), UnitOfWork() as uow:
        return api.get_invoice(uow, invoice_id).state


def _notes(app, invoice_id=None):
    with app.app_context(), UnitOfWork() as uow:
        stmt = select(Notification).order_by(Notification.received_at)
        if invoice_id:
            stmt = stmt.where(Notification.invoice_id == invoice_id)
        return [(n.outcome, n.reason) for n in uow.session.scalars(stmt)]


def _payments(app, invoice_id):
    with app.app_context(), UnitOfWork() as uow:
        return list(uow.session.scalars(select(Payment.reference).where(Payment.invoice_id == invoice_id)))


def _shown(client, headers, invoice):
    assert client.get(f"/api/v1/payments/invoices/{invoice.id}/qris.png", headers=headers).status_code == 200


def test_a_citizen_pays_by_qris_and_sees_it_paid(
    app, client, citizen, make_invoice, acquirer, listening, run_jobs
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id, amount=150_000, purpose_ref="APP-1")
    paid = acquirer.pay(invoice.qris)
    assert paid["partnerReferenceNo"] == invoice.billing_code and paid["amount"] == 150_000
    assert wait_for(lambda: _state(app, invoice.id) == "paid")
    r = client.get("/api/v1/me/invoices", headers=siti["headers"])
    assert r.json[0]["state"] == "paid" and r.json[0]["paid_at"]
    assert _payments(app, invoice.id) == [paid["referenceNo"]]
    assert _notes(app, invoice.id) == [("accepted", "paid")]
    acquirer.sim.idle()
    assert [a["status"] for a in acquirer.attempts()] == [200]
    assert acquirer.attempts()[0]["answer"] == {"responseCode": "2005200", "responseMessage": "Successful"}
    run_jobs()
    assert listening(siti["resident"].id) == [("payments.invoice_paid", "permits.retribusi|APP-1|")]


def test_a_qr_labelled_with_the_callers_reference_is_paid_and_polled_under_it(
    app, client, citizen, make_invoice, acquirer
):
    siti = citizen()
    invoice = make_invoice(
        payer_resident_id=siti["resident"].id,
        amount=3000,
        purpose="parking.retribusi",
        reference="P26120200007",
    )
    paid = acquirer.pay(invoice.qris)
    assert paid["partnerReferenceNo"] == "P26120200007"
    assert wait_for(lambda: _state(app, invoice.id) == "paid")
    assert _notes(app, invoice.id) == [("accepted", "paid")]
    lost = make_invoice(
        payer_resident_id=siti["resident"].id,
        amount=3000,
        purpose="parking.retribusi",
        reference="P26120200008",
    )
    _shown(client, siti["headers"], lost)
    acquirer.fault("drop")
    acquirer.pay(lost.qris)
    assert acquirer.sim.idle() and _state(app, lost.id) == "open"
    with app.app_context(), clock.frozen(clock.now() + timedelta(minutes=6)):
        assert jobs.poll_acquirer() == {"asked": 1, "paid": 1, "errors": 0}
    assert _state(app, lost.id) == "paid"


def test_a_duplicated_notification_pays_once(app, citizen, make_invoice, acquirer, listening, run_jobs):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id)
    acquirer.fault("duplicate")
    acquirer.pay(invoice.qris)
    assert acquirer.sim.idle()
    assert sorted(_notes(app, invoice.id)) == [("accepted", "duplicate"), ("accepted", "paid")]
    assert len(_payments(app, invoice.id)) == 1
    run_jobs()
    assert [e for e, _ in listening(siti["resident"].id)] == ["payments.invoice_paid"]


def test_a_corrupted_notification_is_refused_then_the_retry_is_accepted(app, make_invoice, acquirer):
    invoice = make_invoice()
    acquirer.fault("corrupt")
    acquirer.pay(invoice.qris)
    assert acquirer.sim.idle()
    assert [a["status"] for a in acquirer.attempts()] == [401, 200]
    assert acquirer.attempts()[0]["answer"]["responseCode"] == "4015200"
    assert _notes(app) == [("refused", "invalid_signature"), ("accepted", "paid")]
    assert _state(app, invoice.id) == "paid"


def test_a_dropped_notification_is_recovered_by_the_status_poll(
    app, client, citizen, make_invoice, acquirer, monkeypatch
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id, amount=3000, purpose="parking.retribusi")
    _shown(client, siti["headers"], invoice)
    acquirer.fault("drop")
    acquirer.pay(invoice.qris)
    assert acquirer.sim.idle() and _state(app, invoice.id) == "open"
    with app.app_context():
        assert jobs.poll_acquirer() == {"asked": 0, "paid": 0, "errors": 0}  # shown less than 5 minutes ago
        with clock.frozen(clock.now() + timedelta(minutes=6)):
            assert jobs.poll_acquirer() == {"asked": 1, "paid": 1, "errors": 0}
            assert jobs.poll_acquirer() == {"asked": 0, "paid": 0, "errors": 0}  # paid: not asked again
    assert _state(app, invoice.id) == "paid"
    assert _notes(app, invoice.id) == [("accepted", "polled_paid")]


def test_a_delayed_notification_after_the_poll_paid_changes_nothing(
    app, client, citizen, make_invoice, acquirer, listening, run_jobs, monkeypatch
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id)
    _shown(client, siti["headers"], invoice)
    monkeypatch.setitem(app.config, "PAYMENTS_POLL_AFTER_MINUTES", "0")
    acquirer.fault("delay", seconds=1.0)
    acquirer.pay(invoice.qris)
    with app.app_context():
        assert jobs.poll_acquirer()["paid"] == 1
    assert acquirer.sim.idle()
    assert _notes(app, invoice.id) == [("accepted", "polled_paid"), ("accepted", "duplicate")]
    assert len(_payments(app, invoice.id)) == 1
    run_jobs()
    assert [e for e, _ in listening(siti["resident"].id)] == ["payments.invoice_paid"]


def test_the_poll_leaves_an_unpaid_invoice_open(app, client, citizen, make_invoice, acquirer, monkeypatch):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id)
    _shown(client, siti["headers"], invoice)
    monkeypatch.setitem(app.config, "PAYMENTS_POLL_AFTER_MINUTES", "0")
    with app.app_context():
        assert jobs.poll_acquirer() == {"asked": 1, "paid": 0, "errors": 0}
    assert _state(app, invoice.id) == "open" and _notes(app) == []


def _post_notification(acquirer, body, *, ts=None, key=None):
    data, headers = acquirer.sim.signed(body)
    if ts is not None or key is not None:
        ts = ts or headers["X-TIMESTAMP"]
        text = snap.notify_string("POST", "/api/v1/payments/notify/qris", snap.minify(body), ts)
        headers["X-TIMESTAMP"] = ts
        headers["X-SIGNATURE"] = snap.rsa_sign(key or acquirer.sim._key, text)
    return requests.post(
        f"{acquirer.api}/api/v1/payments/notify/qris", data=data, headers=headers, timeout=10
    )


def _body(invoice, **over):
    body = {
        "originalReferenceNo": "261202000001",
        "originalPartnerReferenceNo": invoice.billing_code,
        "latestTransactionStatus": "00",
        "amount": {"value": f"{invoice.amount}.00", "currency": "IDR"},
    }
    return {**body, **over}


@pytest.mark.parametrize(
    ("change", "status", "code", "reason"),
    [
        ({"amount": {"value": "1000.00", "currency": "IDR"}}, 404, "4045213", "amount_mismatch"),
        ({"amount": {"value": "150000.00", "currency": "USD"}}, 404, "4045213", "currency_mismatch"),
        ({"originalPartnerReferenceNo": "2612029999990"}, 404, "4045201", "unknown_reference"),
        ({"originalReferenceNo": None}, 400, "4005202", "malformed_body"),
    ],
)
def test_a_notification_that_does_not_match_is_refused_recorded_and_changes_nothing(
    app, make_invoice, acquirer, change, status, code, reason
):
    invoice = make_invoice(amount=150_000)
    r = _post_notification(acquirer, _body(invoice, **change))
    assert r.status_code == status and r.json()["responseCode"] == code and r.json()["responseMessage"]
    assert _notes(app) == [("refused", reason)]
    assert _state(app, invoice.id) == "open" and _payments(app, invoice.id) == []


def test_a_stale_or_foreign_signature_is_refused(app, make_invoice, acquirer):
    invoice = make_invoice()
    stale = snap.timestamp((clock.now() - timedelta(minutes=6)).astimezone(clock.local_tz()))
    r = _post_notification(acquirer, _body(invoice), ts=stale)
    assert r.status_code == 401 and r.json()["responseCode"] == "4015200"
    r = _post_notification(acquirer, _body(invoice), key=snap.new_private_key())
    assert r.status_code == 401
    assert _notes(app) == [("refused", "stale_timestamp"), ("refused", "invalid_signature")]
    assert _state(app, invoice.id) == "open"


def test_finance_reads_every_notification_raw(client, finance, citizen, make_invoice, acquirer):
    invoice = make_invoice()
    _post_notification(acquirer, _body(invoice, amount={"value": "1.00", "currency": "IDR"}))
    r = client.get(
        "/api/v1/payments/notifications", headers=finance["headers"], query_string={"outcome": "refused"}
    )
    assert r.status_code == 200 and len(r.json) == 1
    row = r.json[0]
    assert row["reason"] == "amount_mismatch" and row["invoice_id"] == invoice.id
    assert json.loads(row["body"])["amount"]["value"] == "1.00" and row["headers"]["X-SIGNATURE"]
    assert client.get("/api/v1/payments/notifications", headers=citizen()["headers"]).status_code == 403


def test_our_snap_client_generates_queries_and_refunds_at_the_simulator(app, acquirer):
    with app.app_context():
        client = settings.acquirer()
        made = client.qr_generate(
            partner_reference_no="2612020000999",
            amount=25_000,
            valid_until=clock.now() + timedelta(minutes=15),
        )
        parsed = qris.parse(made.qr_content)
        assert parsed.amount_rupiah == 25_000 and parsed.reference_label == "2612020000999"
        assert client.qr_query(partner_reference_no="2612020000999").state == "pending"
        assert client.qr_query(partner_reference_no="0000000000000").state == "not_found"
        acquirer.pay(made.qr_content)
        status = client.qr_query(partner_reference_no="2612020000999")
        assert (status.state, status.amount, status.currency) == ("paid", 25_000, "IDR")
        assert status.reference_no == made.reference_no and status.paid_at is not None
        done = client.refund(
            partner_reference_no="2612020000999", reference_no=made.reference_no,
            refund_no="RF-1", amount=5000, reason="kelebihan bayar",
        )  # fmt: skip
        assert done.refund_no
        with pytest.raises(AcquirerError) as refused:
            client.refund(
                partner_reference_no="2612020000999", reference_no=made.reference_no,
                refund_no="RF-2", amount=20_001, reason="terlalu banyak",
            )  # fmt: skip
        assert refused.value.status == 400


def test_the_simulator_refuses_an_unsigned_token_request_and_a_replayed_external_id(app, acquirer):
    ts = snap.timestamp(clock.now().astimezone(clock.local_tz()))
    with app.app_context():
        client_id = settings.get("PAYMENTS_SNAP_CLIENT_ID")
        secret = settings.get("PAYMENTS_SNAP_CLIENT_SECRET")
        good = snap.rsa_sign(snap.load_private(settings.private_key_pem()), snap.token_string(client_id, ts))
    wrong = snap.rsa_sign(snap.new_private_key(), snap.token_string(client_id, ts))
    url = f"{acquirer.base}/v1.0/access-token/b2b"
    body = {"grantType": "client_credentials"}
    headers = {"X-TIMESTAMP": ts, "X-CLIENT-KEY": client_id}
    assert (
        requests.post(url, json=body, headers={**headers, "X-SIGNATURE": wrong}, timeout=5).status_code == 401
    )
    token = requests.post(url, json=body, headers={**headers, "X-SIGNATURE": good}, timeout=5).json()[
        "accessToken"
    ]
    query = {"originalPartnerReferenceNo": "1", "serviceCode": "51"}
    path = "/v1.0/qr/qr-mpm-query"
    signed = {
        "Authorization": f"Bearer {token}",
        "X-TIMESTAMP": ts,
        "X-SIGNATURE": snap.hmac_sign(
            secret, snap.service_string("POST", path, token, snap.minify(query), ts)
        ),
        "X-PARTNER-ID": "PEMKOSIANTAR",
        "X-EXTERNAL-ID": "20261202000000000000001",
        "CHANNEL-ID": "95221",
        "Content-Type": "application/json",
    }
    first = requests.post(acquirer.base + path, data=snap.minify(query), headers=signed, timeout=5)
    again = requests.post(acquirer.base + path, data=snap.minify(query), headers=signed, timeout=5)
    assert first.status_code == 404 and again.status_code == 409
    tampered = {**signed, "X-EXTERNAL-ID": "20261202000000000000002", "X-SIGNATURE": snap.hmac_sign("x", "y")}
    assert (
        requests.post(acquirer.base + path, data=snap.minify(query), headers=tampered, timeout=5).status_code
        == 401
    )


def test_the_settlement_report_lists_the_days_payments(app, make_invoice, acquirer):
    first, second = make_invoice(amount=150_000), make_invoice(amount=3000, purpose="parking.retribusi")
    a, b = acquirer.pay(first.qris), acquirer.pay(second.qris)
    day = a["paidTime"][:10]
    csv_text = requests.get(f"{acquirer.base}/_sim/settlement", params={"date": day}, timeout=5).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("settlement_date,reference_no,partner_reference_no,paid_time,amount")
    rows = {line.split(",")[2]: line.split(",") for line in lines[1:]}
    assert set(rows) == {first.billing_code, second.billing_code}
    assert rows[first.billing_code][1] == a["referenceNo"] and rows[first.billing_code][4] == "150000"
    assert rows[second.billing_code][1] == b["referenceNo"]


def test_the_cli_pays_a_qris_at_the_running_simulator(app, make_invoice, acquirer):
    invoice = make_invoice(amount=5000, purpose="parking.retribusi")
    port = acquirer.base.rsplit(":", 1)[1]
    result = app.test_cli_runner().invoke(args=["acquirer", "pay", "--qris", invoice.qris, "--port", port])
    assert result.exit_code == 0, result.output
    assert f"paid Rp5,000 for {invoice.billing_code}" in result.output
    assert wait_for(lambda: _state(app, invoice.id) == "paid")
    bad = app.test_cli_runner().invoke(
        args=["acquirer", "pay", "--qris", invoice.qris[:-1] + "0", "--port", port]
    )
    assert bad.exit_code != 0 and "CRC" in bad.output

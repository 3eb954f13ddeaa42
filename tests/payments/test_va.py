"""Paying a virtual account (prefix + billing code) at the bank: the simulator inquires and flags the
payment over signed SNAP calls; what we refuse, the bank does not take."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.payments import api, jobs
from services.payments.models import Notification, Payment


def _state(app, invoice_id):
    with app.app_context(), UnitOfWork() as uow:
        return api.get_invoice(uow, invoice_id).state


def _notes(app):
    with app.app_context(), UnitOfWork() as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.channel == "va").order_by(Notification.received_at)
        )
        return [(n.outcome, n.reason) for n in rows]


def test_an_invoice_has_a_virtual_account_number(app, client, citizen, make_invoice):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id)
    assert invoice.va_number == "98811" + invoice.billing_code and len(invoice.va_number) == 18
    assert (
        client.get("/api/v1/me/invoices", headers=siti["headers"]).json[0]["va_number"] == invoice.va_number
    )


def test_a_customer_pays_the_virtual_account_at_the_bank(
    app, make_invoice, acquirer, listening, citizen, run_jobs
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id, amount=275_000, purpose_ref="APP-VA")
    status, answer = acquirer.sim.pay_va(invoice.va_number)
    assert status == 200 and answer["responseCode"] == "2002500"
    assert answer["virtualAccountData"]["paymentFlagStatus"] == "00"
    assert _state(app, invoice.id) == "paid"
    assert _notes(app) == [("accepted", "inquiry"), ("accepted", "paid")]
    with app.app_context(), UnitOfWork() as uow:
        assert list(uow.session.scalars(select(Payment.channel).where(Payment.invoice_id == invoice.id))) == [
            "va"
        ]
    run_jobs()
    assert listening(siti["resident"].id) == [("payments.invoice_paid", "permits.retribusi|APP-VA|")]


def test_an_unknown_paid_or_expired_virtual_account_is_refused_and_the_bank_keeps_the_money(
    app, make_invoice, acquirer, pay
):
    status, answer = acquirer.sim.pay_va("98811" + "2612029999990")
    assert status == 404 and answer["responseCode"] == "4042412"
    paid = make_invoice()
    pay(paid.id)
    status, answer = acquirer.sim.pay_va(paid.va_number)
    assert status == 404 and answer["responseCode"] == "4042414"
    late = make_invoice(expires_at=clock.now() + timedelta(minutes=5))
    with app.app_context(), clock.frozen(clock.now() + timedelta(minutes=6)):
        jobs.expire_invoices()
    status, answer = acquirer.sim.pay_va(late.va_number)
    assert status == 404 and answer["responseCode"] == "4042419"
    assert _state(app, late.id) == "expired"
    assert [r for _, r in _notes(app)] == ["unknown_reference", "already_paid", "invoice_expired"]


def test_a_payment_flag_for_another_amount_is_refused_and_a_repeat_is_one_payment(
    app, make_invoice, acquirer
):
    invoice = make_invoice(amount=50_000)
    ids = {
        "partnerServiceId": "   98811",
        "customerNo": invoice.billing_code,
        "virtualAccountNo": "   98811" + invoice.billing_code,
        "paymentRequestId": "PRQ-1",
    }
    wrong = acquirer.sim._call_biller(
        "/va/payment", ids | {"paidAmount": {"value": "5000.00", "currency": "IDR"}}
    )
    assert wrong[0] == 404 and wrong[1]["responseCode"] == "4042513" and _state(app, invoice.id) == "open"
    right = ids | {"paidAmount": {"value": "50000.00", "currency": "IDR"}}
    first, again = (
        acquirer.sim._call_biller("/va/payment", right),
        acquirer.sim._call_biller("/va/payment", right),
    )
    assert first[0] == again[0] == 200 and _state(app, invoice.id) == "paid"
    assert [r for _, r in _notes(app)] == ["amount_mismatch", "paid", "duplicate"]


def test_the_cli_pays_a_virtual_account(app, make_invoice, acquirer):
    invoice = make_invoice(amount=12_000, purpose="parking.retribusi")
    port = acquirer.base.rsplit(":", 1)[1]
    result = app.test_cli_runner().invoke(args=["acquirer", "pay", "--va", invoice.va_number, "--port", port])
    assert result.exit_code == 0, result.output
    assert f"paid Rp12,000 to VA {invoice.va_number}" in result.output and _state(app, invoice.id) == "paid"

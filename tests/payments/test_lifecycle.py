"""An invoice is paid once whatever arrives twice, expires once by the periodic job, and is refunded in
parts up to what was paid; each change is told to subscribers once, through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.db import UnitOfWork
from gateway.errors import ServiceError
from gateway.kernel import clock
from services.payments import api, jobs
from services.payments.models import Invoice, Payment


def _payments(app, invoice_id):
    with app.app_context(), UnitOfWork() as uow:
        rows = uow.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id))
        return sorted((p.reference, p.settles, p.late) for p in rows)


def test_a_payment_reported_twice_pays_once_and_is_told_once(
    app, citizen, make_invoice, pay, listening, run_jobs
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id, purpose_ref="APP-7", amount=150_000)
    assert pay(invoice.id, reference="ACQ-1")[1] is True
    assert pay(invoice.id, reference="ACQ-1")[1] is False  # the same notification again
    run_jobs()
    with app.app_context(), UnitOfWork() as uow:
        now = api.get_invoice(uow, invoice.id)
    assert now.state == "paid" and now.paid_at is not None and not now.late_payment
    assert _payments(app, invoice.id) == [("ACQ-1", True, False)]
    assert listening(siti["resident"].id) == [("payments.invoice_paid", "permits.retribusi|APP-7|")]


def test_a_second_different_payment_is_kept_as_an_overpayment_not_a_second_paid(
    app, citizen, make_invoice, pay, listening, run_jobs
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id)
    pay(invoice.id, reference="ACQ-1")
    pay(invoice.id, reference="VA-9", channel="va")  # the payer also paid by transfer
    run_jobs()
    assert _payments(app, invoice.id) == [("ACQ-1", True, False), ("VA-9", False, False)]
    assert [e for e, _ in listening(siti["resident"].id)] == ["payments.invoice_paid"]


def test_a_payment_of_another_amount_is_refused_and_writes_nothing(app, make_invoice, pay):
    invoice = make_invoice(amount=150_000)
    with pytest.raises(ServiceError) as refused:
        pay(invoice.id, amount=15_000)
    assert refused.value.reason == "amount_mismatch"
    assert _payments(app, invoice.id) == []
    with app.app_context(), UnitOfWork() as uow:
        assert api.get_invoice(uow, invoice.id).state == "open"


def test_the_periodic_job_expires_due_invoices_once(app, citizen, make_invoice, listening, run_jobs):
    siti = citizen()
    soon = make_invoice(payer_resident_id=siti["resident"].id, expires_at=clock.now() + timedelta(minutes=15))
    later = make_invoice(payer_resident_id=siti["resident"].id, expires_at=clock.now() + timedelta(hours=2))
    assert "services.payments.jobs:expire_invoices" in {p.path for p in app.extensions["modules"].periodic}
    with app.app_context(), clock.frozen(clock.now() + timedelta(minutes=16)):
        assert jobs.expire_invoices() == 1
        assert jobs.expire_invoices() == 0  # an overlapping or repeated sweep changes nothing
    run_jobs()
    with app.app_context(), UnitOfWork() as uow:
        assert api.get_invoice(uow, soon.id).state == "expired"
        assert api.get_invoice(uow, later.id).state == "open"
        assert uow.session.get(Invoice, soon.id).expired_at is not None
    assert [e for e, _ in listening(siti["resident"].id)] == ["payments.invoice_expired"]


def test_money_that_arrives_after_expiry_still_pays_the_invoice_marked_late(
    app, citizen, make_invoice, pay, listening, run_jobs
):
    siti = citizen()
    invoice = make_invoice(
        payer_resident_id=siti["resident"].id, expires_at=clock.now() + timedelta(minutes=5)
    )
    with app.app_context(), clock.frozen(clock.now() + timedelta(minutes=6)):
        jobs.expire_invoices()
    pay(invoice.id, reference="ACQ-LATE")
    run_jobs()
    with app.app_context(), UnitOfWork() as uow:
        now = api.get_invoice(uow, invoice.id)
    assert now.state == "paid" and now.late_payment
    assert sorted(e for e, _ in listening(siti["resident"].id)) == [
        "payments.invoice_expired",
        "payments.invoice_paid",
    ]


def test_finance_refunds_in_parts_up_to_the_amount_paid(
    app, client, citizen, finance, staff, make_invoice, pay, listening, run_jobs
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id, amount=100_000, purpose_ref="APP-9")
    url = f"/api/v1/payments/invoices/{invoice.id}/refunds"
    unpaid = client.post(url, json={"amount": 1000, "reason": "salah tagih"}, headers=finance["headers"])
    assert unpaid.status_code == 409 and unpaid.json["reason"] == "invoice_not_refundable"
    pay(invoice.id)
    officer = staff("officer", "DPMPTSP")
    assert (
        client.post(url, json={"amount": 1000, "reason": "salah"}, headers=officer["headers"]).status_code
        == 403
    )
    r = client.post(url, json={"amount": 40_000, "reason": "kelebihan tagih"}, headers=finance["headers"])
    assert r.status_code == 201 and r.json["amount"] == 40_000
    too_much = client.post(url, json={"amount": 60_001, "reason": "sisa"}, headers=finance["headers"])
    assert too_much.status_code == 422 and too_much.json["reason"] == "refund_exceeds_paid"
    one = client.get(f"/api/v1/payments/invoices/{invoice.id}", headers=finance["headers"]).json
    assert (one["state"], one["amount_refunded"]) == ("partially_refunded", 40_000)
    assert (
        client.post(
            url, json={"amount": 60_000, "reason": "dibatalkan"}, headers=finance["headers"]
        ).status_code
        == 201
    )
    one = client.get(f"/api/v1/payments/invoices/{invoice.id}", headers=finance["headers"]).json
    assert (one["state"], one["amount_refunded"]) == ("refunded", 100_000)
    assert (
        client.post(url, json={"amount": 1, "reason": "lagi"}, headers=finance["headers"]).status_code == 409
    )
    run_jobs()
    assert listening(siti["resident"].id) == [
        ("payments.invoice_paid", "permits.retribusi|APP-9|"),
        ("payments.refunded", "permits.retribusi|APP-9|40000"),
        ("payments.refunded", "permits.retribusi|APP-9|60000"),
    ]

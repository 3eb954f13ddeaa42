"""Cash and EDC at the Mall Pelayanan Publik counter: found by billing code, paid once per slip, and
above the threshold confirmed by a second staff member."""

from __future__ import annotations

from sqlalchemy import select

from gateway.audit import AccessLog
from gateway.db import UnitOfWork
from services.payments import api
from services.payments.models import Payment


def _record(client, who, invoice, *, expect=201, **body):
    body = {"method": "cash", "slip_number": "KW-0001", "amount": invoice.amount, **body}
    r = client.post(
        f"/api/v1/payments/invoices/{invoice.id}/counter-payments", json=body, headers=who["headers"]
    )
    assert r.status_code == expect, r.json
    return r.json


def _state(app, invoice_id):
    with app.app_context(), UnitOfWork() as uow:
        return api.get_invoice(uow, invoice_id).state


def test_counter_staff_find_an_invoice_by_its_billing_code_and_take_cash(
    app, client, citizen, staff, make_invoice
):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id, amount=150_000)
    desk = staff("counter")
    r = client.get(f"/api/v1/payments/invoices/by-code/{invoice.billing_code}", headers=desk["headers"])
    assert r.status_code == 200 and r.json["id"] == invoice.id and r.json["amount"] == 150_000
    assert (
        client.get("/api/v1/payments/invoices/by-code/2612029999990", headers=desk["headers"]).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/payments/invoices/by-code/{invoice.billing_code}", headers=siti["headers"]
        ).status_code
        == 403
    )
    paid = _record(client, desk, invoice)
    assert paid["state"] == "confirmed" and paid["recorded_by"] == desk["staff"].id
    assert _state(app, invoice.id) == "paid"
    with app.app_context(), UnitOfWork() as uow:
        refs = list(uow.session.scalars(select(Payment.reference).where(Payment.invoice_id == invoice.id)))
        readers = set(
            uow.session.scalars(
                select(AccessLog.actor_id).where(AccessLog.resident_id == siti["resident"].id)
            )
        )
    assert refs == ["cash:KW-0001"] and desk["staff"].id in readers


def test_the_same_slip_twice_is_one_payment_and_a_used_slip_cannot_pay_another(
    app, client, staff, make_invoice
):
    desk = staff("counter")
    first, second = make_invoice(), make_invoice()
    one = _record(client, desk, first, method="edc", slip_number="EDC-778899")
    again = _record(client, desk, first, method="edc", slip_number="EDC-778899")
    assert again["id"] == one["id"]
    refused = _record(client, desk, second, method="edc", slip_number="EDC-778899", expect=409)
    assert refused["reason"] == "slip_already_used" and _state(app, second.id) == "open"
    assert _record(client, desk, second, method="cash", slip_number="EDC-778899")["state"] == "confirmed"


def test_wrong_amount_closed_invoice_and_other_roles_are_refused(
    app, client, staff, citizen, make_invoice, pay
):
    desk = staff("counter")
    invoice = make_invoice(amount=150_000)
    assert _record(client, desk, invoice, amount=100_000, expect=422)["reason"] == "amount_mismatch"
    pay(invoice.id)
    assert _record(client, desk, invoice, slip_number="KW-2", expect=409)["reason"] == "invoice_not_open"
    other = make_invoice()
    assert _record(client, staff("officer", "DPMPTSP"), other, expect=403)["reason"] == "role_not_allowed"
    assert _record(client, desk, other, slip_number="bad slip!", expect=422)["reason"] == "validation_failed"
    assert _state(app, other.id) == "open"


def test_above_the_threshold_a_second_staff_member_confirms(
    app, client, staff, finance, make_invoice, monkeypatch
):
    monkeypatch.setitem(app.config, "PAYMENTS_COUNTER_CONFIRM_ABOVE", "1000000")
    desk, colleague = staff("counter"), staff("counter")
    big = make_invoice(amount=2_500_000)
    pending = _record(client, desk, big, slip_number="KW-9")
    assert pending["state"] == "pending" and _state(app, big.id) == "open"
    listed = client.get("/api/v1/payments/counter-payments", headers=finance["headers"]).json
    assert [p["id"] for p in listed] == [pending["id"]]
    url = f"/api/v1/payments/counter-payments/{pending['id']}"
    own = client.post(f"{url}/confirm", json={}, headers=desk["headers"])
    assert own.status_code == 403 and own.json["reason"] == "second_staff_required"
    assert _state(app, big.id) == "open"
    done = client.post(f"{url}/confirm", json={"note": "uang dihitung ulang"}, headers=colleague["headers"])
    assert done.status_code == 200 and done.json["state"] == "confirmed"
    assert done.json["confirmed_by"] == colleague["staff"].id and _state(app, big.id) == "paid"
    twice = client.post(f"{url}/confirm", json={}, headers=finance["headers"])
    assert twice.status_code == 409 and twice.json["reason"] == "counter_payment_not_pending"
    assert client.get("/api/v1/payments/counter-payments", headers=finance["headers"]).json == []


def test_a_rejected_counter_payment_leaves_the_invoice_open(app, client, staff, finance, make_invoice):
    desk = staff("counter")
    big = make_invoice(amount=5_000_000)
    pending = _record(client, desk, big, method="edc", slip_number="EDC-1")
    r = client.post(
        f"/api/v1/payments/counter-payments/{pending['id']}/reject",
        json={"note": "slip tidak ada"},
        headers=finance["headers"],
    )
    assert r.status_code == 200 and r.json["state"] == "rejected" and r.json["note"] == "slip tidak ada"
    assert _state(app, big.id) == "open"


def test_exactly_the_threshold_needs_no_second_person(app, client, staff, make_invoice):
    invoice = make_invoice(amount=1_000_000)
    assert _record(client, staff("counter"), invoice)["state"] == "confirmed"

"""Invoices through the api module (as permits and parking create them) and over HTTP: who sees which,
the QR image a wallet scans, cancel, and what create_invoice refuses."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gateway.audit import AccessLog
from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.payments import api, qris, service
from services.payments.models import Invoice


def test_an_invoice_has_a_billing_code_and_a_dynamic_qris_for_its_amount(app, make_invoice):
    invoice = make_invoice(amount=150_000, terminal="LOKET-01")
    assert invoice.state == "open" and invoice.amount == 150_000
    assert service.billing_code_valid(invoice.billing_code)
    parsed = qris.parse(invoice.qris)
    assert parsed.is_dynamic and parsed.amount_rupiah == 150_000
    assert parsed.reference_label == invoice.billing_code and parsed.terminal_label == "LOKET-01"
    with app.app_context():
        assert invoice.billing_code[:6] == clock.local_today().strftime("%y%m%d")
        assert parsed.nmid == app.config.get("PAYMENTS_QRIS_NMID", "ID1026000012720")
    assert invoice.expires_at - invoice.created_at == timedelta(hours=24)


def test_a_callers_reference_becomes_the_qrs_reference_label(make_invoice):
    invoice = make_invoice(
        amount=3000, purpose="parking.retribusi", reference="P26120200042", terminal="HH-1"
    )
    parsed = qris.parse(invoice.qris)
    assert (parsed.reference_label, parsed.terminal_label) == ("P26120200042", "HH-1")
    assert invoice.qris_reference == "P26120200042" and service.billing_code_valid(invoice.billing_code)
    plain = make_invoice()
    assert plain.qris_reference == plain.billing_code == qris.parse(plain.qris).reference_label


def test_billing_codes_are_serial_per_day_with_a_check_digit(app, make_invoice):
    first, second = make_invoice(), make_invoice()
    assert int(second.billing_code[6:12]) == int(first.billing_code[6:12]) + 1
    assert first.billing_code[:6] == second.billing_code[:6]
    typo = first.billing_code[:11] + str((int(first.billing_code[11]) + 1) % 10) + first.billing_code[12]
    assert not service.billing_code_valid(typo)


def test_asking_again_for_the_same_purpose_answers_the_open_invoice(app, make_invoice):
    invoice = make_invoice(purpose_ref="APP-1", amount=50_000)
    again = make_invoice(purpose_ref="APP-1", amount=50_000)
    assert again.id == invoice.id
    with pytest.raises(api.InvoiceAlreadyOpen):
        make_invoice(purpose_ref="APP-1", amount=60_000)
    with app.app_context(), UnitOfWork() as uow:
        api.cancel_invoice(uow, invoice.id, reason="fee corrected")
        uow.commit()
    corrected = make_invoice(purpose_ref="APP-1", amount=60_000)
    assert corrected.id != invoice.id
    with app.app_context(), UnitOfWork() as uow:
        found = api.find_invoices(uow, purpose="permits.retribusi", purpose_ref="APP-1")
    assert [(i.id, i.state) for i in found] == [(corrected.id, "open"), (invoice.id, "cancelled")]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"purpose": "lottery"}, "purpose"),
        ({"amount": 0}, "amount"),
        ({"amount": 1500.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"description": ""}, "description"),
        ({"channel_hint": "cash"}, "channel_hint"),
        ({"purpose_ref": "x" * 65}, "purpose_ref"),
        ({"reference": "x" * 26}, "reference"),
        ({"reference": "P 2612\u00e9"}, "reference"),
        ({"reference": ""}, "reference"),
    ],
)
def test_create_invoice_refuses_what_it_cannot_invoice_and_writes_nothing(app, make_invoice, override, field):
    with pytest.raises(api.InvalidInvoice) as refused:
        make_invoice(**override)
    assert refused.value.reason == "invalid_invoice" and field in refused.value.errors["invoice"]
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_an_expiry_in_the_past_is_refused(make_invoice):
    with pytest.raises(api.InvalidInvoice) as refused:
        make_invoice(expires_at=clock.now() - timedelta(minutes=1))
    assert "expires_at" in refused.value.errors["invoice"]


def test_a_citizen_sees_her_own_invoices_and_nobody_elses(client, citizen, make_invoice):
    siti, budi = citizen(), citizen()
    mine = make_invoice(payer_resident_id=siti["resident"].id)
    make_invoice(payer_resident_id=budi["resident"].id)
    r = client.get("/api/v1/me/invoices", headers=siti["headers"])
    assert r.status_code == 200
    assert [i["id"] for i in r.json] == [mine.id]
    assert r.json[0]["qris"] == mine.qris and r.json[0]["currency"] == "IDR"
    assert r.json[0]["expires_at"].endswith("+07:00")
    assert client.get(f"/api/v1/payments/invoices/{mine.id}", headers=siti["headers"]).status_code == 200
    theirs = client.get(f"/api/v1/payments/invoices/{mine.id}", headers=budi["headers"])
    assert theirs.status_code == 404 and theirs.json["reason"] == "invoice_not_found"
    assert client.get("/api/v1/me/invoices", headers=budi["headers"]).json[0]["id"] != mine.id


def test_staff_of_the_purposes_opd_see_theirs_finance_sees_all(
    app, client, citizen, staff, finance, make_invoice
):
    siti = citizen()
    permit = make_invoice(payer_resident_id=siti["resident"].id)  # permits.retribusi → DPMPTSP
    parking = make_invoice(purpose="parking.retribusi", amount=3000)  # → DISHUB, anonymous driver
    dpmptsp, dishub = staff("officer", "DPMPTSP"), staff("officer", "DISHUB")

    def ids(who, **query):
        r = client.get("/api/v1/payments/invoices", headers=who["headers"], query_string=query)
        assert r.status_code == 200, r.json
        return {i["id"] for i in r.json}

    assert ids(dpmptsp) == {permit.id}
    assert ids(dishub) == {parking.id}
    assert ids(finance) == {permit.id, parking.id}
    assert ids(finance, purpose="parking.retribusi") == {parking.id}
    assert client.get(f"/api/v1/payments/invoices/{permit.id}", headers=dishub["headers"]).status_code == 404
    r = client.get(f"/api/v1/payments/invoices/{permit.id}", headers=dpmptsp["headers"])
    assert r.status_code == 200 and r.json["opd_code"] == "DPMPTSP"
    counter = staff("counter")
    assert client.get("/api/v1/payments/invoices", headers=counter["headers"]).status_code == 403
    assert client.get("/api/v1/me/invoices", headers=finance["headers"]).status_code == 403
    with app.app_context(), UnitOfWork() as uow:  # staff reads of a payer's invoice are in her access log
        actors = set(
            uow.session.scalars(
                select(AccessLog.actor_id).where(AccessLog.resident_id == siti["resident"].id)
            )
        )
    assert actors == {dpmptsp["staff"].id, finance["staff"].id}


def test_the_qr_image_scans_back_to_the_payload(client, citizen, make_invoice, tmp_path, app):
    siti = citizen()
    invoice = make_invoice(payer_resident_id=siti["resident"].id, amount=75_000)
    r = client.get(f"/api/v1/payments/invoices/{invoice.id}/qris.png", headers=siti["headers"])
    assert r.status_code == 200 and r.mimetype == "image/png" and r.data.startswith(b"\x89PNG")
    image = tmp_path / "qr.png"
    image.write_bytes(r.data)
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True
    )
    assert scanned.stdout.strip() == invoice.qris
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.get(Invoice, invoice.id).qr_shown_at is not None
    other = citizen()
    assert (
        client.get(f"/api/v1/payments/invoices/{invoice.id}/qris.png", headers=other["headers"]).status_code
        == 404
    )


def test_finance_cancels_an_open_invoice_once(client, finance, staff, make_invoice, pay):
    invoice = make_invoice()
    body = {"reason": "Permohonan ditarik pemohon"}
    officer = staff("officer", "DPMPTSP")
    assert (
        client.post(
            f"/api/v1/payments/invoices/{invoice.id}/cancel", json=body, headers=officer["headers"]
        ).status_code
        == 403
    )
    r = client.post(f"/api/v1/payments/invoices/{invoice.id}/cancel", json=body, headers=finance["headers"])
    assert r.status_code == 200 and r.json["state"] == "cancelled" and r.json["cancelled_at"]
    again = client.post(
        f"/api/v1/payments/invoices/{invoice.id}/cancel", json=body, headers=finance["headers"]
    )
    assert again.status_code == 200 and again.json["cancelled_at"] == r.json["cancelled_at"]
    paid = make_invoice()
    pay(paid.id)
    refused = client.post(
        f"/api/v1/payments/invoices/{paid.id}/cancel", json=body, headers=finance["headers"]
    )
    assert refused.status_code == 409 and refused.json["reason"] == "invoice_not_open"
    assert refused.json["state"] == "paid"

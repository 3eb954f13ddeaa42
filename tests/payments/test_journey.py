"""Issue 9's "done when", through HTTP: a citizen is invoiced, pays by QRIS through the acquirer simulator
(a real HTTP server speaking SNAP BI, notifying our API served on another port), sees the invoice paid,
downloads a signed receipt whose QR code verifies publicly with masked data; a dropped notification is
recovered by the poll; the day reconciles to zero differences; a seeded mismatch is reported."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import requests

from gateway.kernel import clock
from services.payments import api as payments
from services.payments import jobs
from tests.payments.conftest import wait_for
from tests.pdf_tools import render_page, scan_qr


def test_invoiced_paid_by_qris_receipt_verified_poll_recovers_and_the_day_reconciles(
    app, citizen, finance, make_invoice, acquirer
):
    api = acquirer.api
    siti = citizen()
    me = siti["headers"]
    invoice = make_invoice(
        payer=payments.Payer(resident_id=siti["resident"].id, name="SITI BORU SINAGA"),
        amount=150_000,
        description="Retribusi PBG 503/00012",
    )
    mine = requests.get(f"{api}/api/v1/me/invoices", headers=me, timeout=10).json()
    assert [(i["billing_code"], i["state"], i["receipt_path"]) for i in mine] == [
        (invoice.billing_code, "open", None)
    ]
    early = requests.get(f"{api}/api/v1/payments/invoices/{invoice.id}/receipt.pdf", headers=me, timeout=10)
    assert early.status_code == 409 and early.json()["reason"] == "receipt_not_available"

    acquirer.pay(mine[0]["qris"])  # her wallet pays; the simulator notifies our API, signed
    one = f"{api}/api/v1/payments/invoices/{invoice.id}"
    paid = wait_for(lambda: (r := requests.get(one, headers=me, timeout=10).json())["state"] == "paid" and r)
    assert paid and paid["paid_at"] and paid["receipt_path"].endswith("/receipt.pdf")

    pdf = requests.get(f"{api}{paid['receipt_path']}", headers=me, timeout=30)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"/ByteRange" in pdf.content  # signed by the kernel
    assert scan_qr(render_page(pdf.content, dpi=150)) == [pdf.headers["X-Verify-URL"]]
    verified = requests.get(f"{api}{urlparse(pdf.headers['X-Verify-URL']).path}", timeout=10).json()
    assert (verified["status"], verified["signed"], verified["title"]) == ("valid", True, "BUKTI PEMBAYARAN")
    assert verified["public"]["nomor_tagihan"] == invoice.billing_code
    assert (verified["public"]["jumlah"], verified["public"]["pembayar"]) == ("Rp150.000", "S. B. S.")
    assert "SITI" not in str(verified)  # masked: initials only
    again = requests.get(f"{api}{paid['receipt_path']}", headers=me, timeout=30)
    assert again.headers["X-Verify-URL"] == pdf.headers["X-Verify-URL"]  # one receipt per invoice
    other = citizen()
    assert (
        requests.get(f"{api}{paid['receipt_path']}", headers=other["headers"], timeout=10).status_code == 404
    )

    lost = make_invoice(payer_resident_id=siti["resident"].id, amount=3_000, purpose="parking.retribusi")
    assert requests.get(f"{api}/api/v1/payments/invoices/{lost.id}/qris.png", headers=me, timeout=10).ok
    acquirer.fault("drop")
    acquirer.pay(lost.qris)
    assert acquirer.sim.idle()
    assert (
        requests.get(f"{api}/api/v1/payments/invoices/{lost.id}", headers=me, timeout=10).json()["state"]
        == "open"
    )
    with app.app_context(), clock.frozen(clock.now() + timedelta(minutes=6)):
        assert jobs.poll_acquirer()["paid"] == 1
    assert (
        requests.get(f"{api}/api/v1/payments/invoices/{lost.id}", headers=me, timeout=10).json()["state"]
        == "paid"
    )

    fin, today = finance["headers"], clock.local_today().isoformat()
    recon = f"{api}/api/v1/payments/reconciliations"
    day = requests.post(recon, json={"date": today}, headers=fin, timeout=30).json()
    assert (day["matched"], day["missing_at_bank"], day["missing_here"], day["amount_mismatch"]) == (
        2,
        0,
        0,
        0,
    )

    seeded = make_invoice(amount=75_000)
    reference = acquirer.pay(seeded.qris)["referenceNo"]
    assert wait_for(lambda: requests.get(f"{api}/api/v1/payments/invoices/{seeded.id}", headers=fin, timeout=10)
                    .json()["state"] == "paid")  # fmt: skip
    with acquirer.sim.state.lock:
        acquirer.sim.state.transactions[reference].amount = 57_000  # the bank settles another amount
    requests.post(recon, json={"date": today}, headers=fin, timeout=30)
    report = requests.get(f"{recon}/{today}", headers=fin, timeout=10).json()
    assert (report["differences"], report["matched"], report["amount_mismatch"]) == (1, 2, 1)
    [task] = report["tasks"]
    assert (task["billing_code"], task["our_amount"], task["bank_amount"]) == (
        seeded.billing_code,
        75_000,
        57_000,
    )
    csv = requests.get(f"{recon}/{today}/report.csv", headers=fin, timeout=10).text
    assert f"amount_mismatch,{reference},{seeded.billing_code},75000,57000," in csv

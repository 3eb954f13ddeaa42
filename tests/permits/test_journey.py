"""The business journey of shared/DESIGN.md, end to end over HTTP with the OSS simulator: OSS pushes a
NIB with a PBG checklist item; DPMPTSP and Dinas PUTR work it against the clock with one correction round
that pauses it; the owner pays the retribusi by QRIS at the acquirer simulator; OSS receives every status and the final licence;
anyone verifies the permit by the QR code printed on it."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from gateway.kernel import clock
from services.permits.oss_simulator import build_nib, headers_for
from tests.payments.conftest import wait_for
from tests.pdf_tools import render_page, scan_qr
from tests.permits.conftest import PASSWORD, PBG, PBG_DATA, USERNAME, upload_body

WIB = ZoneInfo("Asia/Jakarta")


def test_a_business_gets_its_pbg_from_an_oss_checklist_item_to_a_verifiable_permit(
    app, client, citizen, dpmptsp, putr, run_jobs, oss, acquirer
):
    owner = citizen()
    # 1. OSS pushes the NIB (signed as OSS signs it) naming her as responsible.
    data_nib = build_nib(checklist=[{"kd_izin": PBG}], responsible_nik=owner["resident"].nik)
    oss.remember(data_nib)
    r = client.post(
        "/api/v1/permits/oss/receiveNIB",
        json={"dataNIB": data_nib},
        headers=headers_for(data_nib["nib"], USERNAME, PASSWORD),
    )
    assert r.json["responreceiveNIB"]["status"] == "1"

    # 2. She links her NIB and completes the application on a working Monday morning.
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=WIB)
    me = owner["headers"]
    assert (
        client.post("/api/v1/permits/businesses", json={"nib": data_nib["nib"]}, headers=me).status_code
        == 200
    )
    [item] = client.get("/api/v1/permits/mine", headers=me).json["applications"]
    url = f"/api/v1/permits/applications/{item['id']}"
    with clock.frozen(monday):
        etag = client.get(url, headers=me).headers["ETag"]
        assert client.patch(url, json={"data": PBG_DATA}, headers=me | {"If-Match": etag}).status_code == 200
        for code in ("gambar_arsitektur", "gambar_struktur", "bukti_tanah"):
            assert client.post(f"{url}/documents", json=upload_body(code), headers=me).status_code == 201
        submitted = client.post(f"{url}/actions", json={"action": "submit"}, headers=me).json
    assert submitted["state"] == "screening"

    def act(who, action, note=None, at=monday):
        with clock.frozen(at):
            body = {"action": action} | ({"note": note} if note else {})
            etag = client.get(url, headers=who["headers"]).headers["ETag"]
            r = client.post(f"{url}/actions", json=body, headers=who["headers"] | {"If-Match": etag})
        assert r.status_code == 200, r.json
        return r.json

    # 3. DPMPTSP asks for one correction on Tuesday; she answers on Thursday: the clock stopped meanwhile.
    tuesday, thursday = monday.replace(day=8), monday.replace(day=10)
    act(dpmptsp, "request_correction", "Gambar struktur belum ditandatangani", tuesday)
    paused = client.get(url, headers=me).json["clock"]
    assert paused["paused"] and paused["pause_reason"] == "Gambar struktur belum ditandatangani"
    with clock.frozen(thursday):
        assert (
            client.post(f"{url}/documents", json=upload_body("gambar_struktur"), headers=me).status_code
            == 201
        )
    resumed = act(owner, "answer_correction", "Sudah ditandatangani", thursday)["clock"]
    assert datetime.fromisoformat(resumed["due_at"]) > datetime.fromisoformat(submitted["clock"]["due_at"])

    # 4. DPMPTSP completes screening; Dinas PUTR reviews and inspects; the retribusi is billed.
    act(dpmptsp, "complete_step", at=thursday)
    act(putr, "complete_step", "Rekomendasi TPA", thursday)
    billed = act(putr, "complete_step", "Sesuai gambar", thursday)
    assert billed["state"] == "awaiting_payment" and billed["fee_amount"] > 0

    # 5. She pays the invoice's QRIS from her wallet at the acquirer (payments' SNAP BI simulator, over
    #    HTTP); its signed notification marks the invoice paid, and payments.invoice_paid moves it on.
    invoice_url = f"/api/v1/payments/invoices/{billed['invoice_id']}"
    invoice = client.get(invoice_url, headers=me).json
    assert invoice["amount"] == billed["fee_amount"] and invoice["state"] == "open"
    acquirer.pay(invoice["qris"])
    assert wait_for(lambda: client.get(invoice_url, headers=me).json["state"] == "paid")

    def moved_on() -> bool:  # the event is handled after the notification's commit, on its own time
        run_jobs()
        return client.get(url, headers=me).json["state"] == "approval"

    assert wait_for(moved_on)

    # 6. DPMPTSP approves; the permit is signed; OSS has every status and the licence.
    issued = act(dpmptsp, "approve", "Memenuhi persyaratan", clock.now())
    run_jobs()
    statuses = [c["body"]["IZINSTATUS"]["kd_status"] for c in oss.calls("receiveLicenseStatus")]
    assert statuses == ["09", "05", "41", "42", "10", "20", "40", "30", "32", "45", "49", "50"]
    [final] = oss.calls("receiveLicense")
    assert final["body"]["IZINFINAL"]["nomor_izin"] == issued["permit"]["number"]

    # 7. Anyone scans the QR code on the PDF and sees it is genuine and valid.
    pdf = client.get(issued["permit"]["pdf_url"], headers=me)
    assert pdf.status_code == 200
    [scanned] = scan_qr(render_page(pdf.data, dpi=100))
    view = client.get(urlparse(scanned).path).json
    assert view["status"] == "valid" and view["number"] == issued["permit"]["number"]
    assert view["public"]["status_izin"] == "Berlaku"

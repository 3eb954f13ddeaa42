"""Signed documents: issue → render+sign job → verify by QR, versions, revocation, PDF access rules."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
from itsdangerous import Signer
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import update

from gateway import documents
from gateway.db import UnitOfWork
from gateway.documents import jobs
from gateway.documents.models import Document
from tests.pdf_tools import render_page, scan_qr

ISSUED = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)  # 08:15 in Pematangsiantar


def _issue(app, owners, **kw):
    """Issue a document through the service in its own transaction; returns its id and verify path."""
    values = dict(
        kind="akta_kelahiran",
        number="1272-LT-23112026-0001",
        title="KUTIPAN AKTA KELAHIRAN",
        fields=[
            ["Nama", "SINTA RAJAGUKGUK SIAHAAN"],
            ["Tempat dan tanggal lahir", "PEMATANGSIANTAR, 23 NOVEMBER 2026"],
            ["Anak ke", "1 (SATU)"],
        ],
        public={"name_initials": "S.R.S.", "nik": "1272********0001"},
        owner_resident_ids=owners,
        subject_resident_id=owners[0],
        issued_at=ISSUED,
    )
    values.update(kw)
    with app.app_context(), UnitOfWork() as uow:
        document = documents.issue(uow, **values)
        uow.commit()
        return document.id, urlparse(documents.verify_url(document)).path


def _row(app, document_id) -> Document:
    with app.app_context(), UnitOfWork() as uow:
        document = documents.get(uow, document_id)
        assert document is not None
        _ = document.pdf
        return document


def _validate(app, pdf: bytes):
    cert = load_cert_from_pemder(app.config["DOCUMENT_SIGNING_CERT_FILE"])
    reader = PdfFileReader(io.BytesIO(pdf))
    [signature] = reader.embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[cert]))


def _page(pdf: bytes):
    return PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0]


def test_issued_document_is_rendered_as_signed_pdf_with_qr_of_its_verify_url(app, client, citizen, run_jobs):
    mom = citizen(full_name="IBU UJI", sex="P")
    document_id, verify_path = _issue(app, [mom["resident"].id])
    run_jobs()

    r = client.get(f"/api/v1/documents/{document_id}/pdf", headers=mom["headers"])
    assert r.status_code == 200, r.json
    assert r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="akta_kelahiran-1272-LT-23112026-0001-v1.pdf"'
    )
    pdf = r.data
    assert pdf.startswith(b"%PDF")

    status = _validate(app, pdf)
    assert status.intact and status.valid and status.trusted
    assert status.signer_reported_dt is not None
    assert "Pematangsiantar" in status.signing_cert.subject.human_friendly

    page = _page(pdf)
    [link] = [a.get_object() for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Link"]
    verify_url = str(link["/A"]["/URI"])
    assert urlparse(verify_url).path == verify_path
    assert verify_url.startswith(app.config["PUBLIC_BASE_URL"])

    # The QR code printed on the page, as a scanner reads it, is exactly the verify URL.
    assert scan_qr(render_page(pdf, dpi=100)) == [verify_url]

    view = client.get(verify_path).json
    assert view["status"] == "valid" and view["signed"] is True
    assert view["pdf_sha256"] == _row(app, document_id).pdf_sha256


def test_pdf_text_is_laid_out_in_indonesian():
    from datetime import timedelta

    from gateway.documents.render import tanggal

    assert tanggal(ISSUED) == "23 November 2026"
    # 17:30 UTC on 31 December is already New Year's Day in Pematangsiantar
    assert tanggal(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == "1 Januari 2027"
    assert tanggal(ISSUED + timedelta(days=100)) == "3 Maret 2027"


def test_rendering_twice_changes_nothing(app, citizen, run_jobs):
    mom = citizen()
    document_id, _ = _issue(app, [mom["resident"].id])
    run_jobs()
    first = _row(app, document_id)
    assert first.signed and first.pdf and first.rendered_at
    with app.app_context():
        jobs.render(document_id)
    second = _row(app, document_id)
    assert (second.pdf, second.pdf_sha256, second.rendered_at) == (
        first.pdf,
        first.pdf_sha256,
        first.rendered_at,
    )


def test_altering_one_byte_of_the_signed_pdf_breaks_the_signature(app, client, citizen, run_jobs):
    mom = citizen()
    document_id, _ = _issue(app, [mom["resident"].id])
    run_jobs()
    pdf = client.get(f"/api/v1/documents/{document_id}/pdf", headers=mom["headers"]).data
    assert _validate(app, pdf).intact
    at = pdf.index(b"KUTIPAN AKTA KELAHIRAN")  # the document title in the signed part
    forged = pdf[:at] + b"X" + pdf[at + 1 :]
    status = _validate(app, forged)
    assert not status.intact and not status.bottom_line


def test_new_version_replaces_the_old_one_and_old_qr_says_so(app, client, citizen, run_jobs):
    head = citizen(full_name="KEPALA KELUARGA")
    table = {
        "columns": ["Nama Lengkap", "NIK", "Hubungan"],
        "rows": [["KEPALA KELUARGA", "1272********0001", "KEPALA KELUARGA"]],
    }
    kk = dict(
        kind="kartu_keluarga",
        number="1272011501200001",
        title="KARTU KELUARGA",
        series_key="kk:1272011501200001",
        fields=[["Nama Kepala Keluarga", "KEPALA KELUARGA"]],
        public={"kk_number": "1272********0001"},
    )
    old_id, old_path = _issue(app, [head["resident"].id], table=table, **kk)
    table["rows"].append(["ANAK BARU", "1272********0002", "ANAK"])
    new_id, new_path = _issue(app, [head["resident"].id], table=table, **kk)
    run_jobs()

    old = client.get(old_path).json
    assert old["status"] == "replaced" and old["version"] == 1
    assert old["replaced_by"] == {"number": "1272********0001", "version": 2}  # a KK number is masked
    new = client.get(new_path).json
    assert new["status"] == "valid" and new["version"] == 2 and new["replaced_by"] is None
    assert _row(app, old_id).replaced_by_id == new_id

    r = client.get(f"/api/v1/documents/{new_id}/pdf", headers=head["headers"])
    assert r.headers["Content-Disposition"].endswith('kartu_keluarga-1272011501200001-v2.pdf"')
    assert _validate(app, r.data).intact

    with app.app_context(), UnitOfWork() as uow:
        listed = documents.for_residents(uow, [head["resident"].id, head["resident"].id])
        assert [(d.id, d.version) for d in listed] == [(new_id, 2), (old_id, 1)]


def test_revoked_document_says_dicabut_on_the_html_page(app, client, citizen, run_jobs):
    mom = citizen()
    document_id, path = _issue(app, [mom["resident"].id])
    with app.app_context(), UnitOfWork() as uow:
        documents.revoke(uow, document_id=document_id, reason="dibatalkan oleh penetapan pengadilan")
        uow.commit()
    view = client.get(path).json
    assert view["status"] == "revoked" and view["revoked_reason"].startswith("dibatalkan")
    page = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "DICABUT" in html and "1272-LT-23112026-0001" in html and "S.R.S." in html


def test_html_verify_page_shows_sah_or_diganti(app, client, citizen):
    mom = citizen()
    _, path = _issue(app, [mom["resident"].id], series_key="akta:x")
    html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "SAH" in html and "DIGANTI" not in html and "23 November 2026" in html
    _issue(app, [mom["resident"].id], series_key="akta:x")
    html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "DIGANTI" in html
    _issue(app, [mom["resident"].id], series_key="akta:x")
    assert client.get(path).json["replaced_by"]["version"] == 3  # the newest, not the one in between


def test_every_scan_is_counted(app, client, citizen):
    mom = citizen()
    _, path = _issue(app, [mom["resident"].id])
    assert [client.get(path).json["scan_count"] for _ in range(3)] == [1, 2, 3]


@pytest.mark.parametrize(
    "tamper", ["flip_signature", "flip_payload", "garbage", "other_secret", "unknown_document"]
)
def test_forged_or_altered_token_is_404(app, client, citizen, tamper):
    mom = citizen()
    _, path = _issue(app, [mom["resident"].id])
    token = path.rsplit("/", 1)[1]
    payload, _, signature = token.rpartition(".")
    if tamper == "flip_signature":
        forged = f"{payload}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}"
    elif tamper == "flip_payload":
        forged = f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}"
    elif tamper == "garbage":
        forged = "not-a-token"
    elif tamper == "other_secret":
        forged = Signer("guessed-secret", salt="gateway.documents.verify").sign(payload).decode()
    else:  # genuinely signed, but no such document
        forged = Signer(app.config["SECRET_KEY"], salt="gateway.documents.verify").sign("A" * 22).decode()
    r = client.get(f"/api/v1/verify/{forged}")
    assert r.status_code == 404 and r.json["reason"] == "invalid_verification_token"
    html = client.get(f"/api/v1/verify/{forged}", headers={"Accept": "text/html"})
    assert html.status_code == 404 and "TIDAK SAH" in html.get_data(as_text=True)


def test_verify_is_rate_limited(app, client, citizen):
    mom = citizen()
    _, path = _issue(app, [mom["resident"].id])
    codes = [client.get(path).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429


def test_only_owners_may_download_the_pdf(app, client, citizen, run_jobs):
    mom, dad, stranger = citizen(sex="P"), citizen(), citizen()
    document_id, _ = _issue(app, [mom["resident"].id, dad["resident"].id])
    run_jobs()
    url = f"/api/v1/documents/{document_id}/pdf"
    assert client.get(url, headers=mom["headers"]).status_code == 200
    assert client.get(url, headers=dad["headers"]).status_code == 200
    r = client.get(url, headers=stranger["headers"])
    assert r.status_code == 404 and r.json["reason"] == "document_not_found"
    assert client.get("/api/v1/documents/no-such-id/pdf", headers=mom["headers"]).status_code == 404
    assert client.get(url).status_code == 401


def test_counter_prints_for_the_owner_present_and_it_is_in_her_access_log(
    app, client, citizen, staff, run_jobs
):
    mom, stranger = citizen(sex="P"), citizen()
    document_id, _ = _issue(app, [mom["resident"].id])
    run_jobs()
    counter = staff(role="counter")
    url = f"/api/v1/documents/{document_id}/pdf"

    def on_behalf(person):
        return {
            **counter["headers"],
            "X-On-Behalf-Of": person["resident"].nik,
            "X-On-Behalf-Reason": "cetak akta, KTP ditunjukkan",
        }

    assert client.get(url, headers=counter["headers"]).status_code == 404  # serving nobody
    assert client.get(url, headers=on_behalf(stranger)).status_code == 404  # serving someone else
    r = client.get(url, headers=on_behalf(mom))
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    log = client.get("/api/v1/me/access-log", headers=mom["headers"]).json
    printed = [e for e in log if e["action"] == "print:document"]
    assert len(printed) == 1 and printed[0]["actor_role"] == "counter"
    assert printed[0]["reason"] == "cetak akta, KTP ditunjukkan"
    assert printed[0]["resource"] == "document:akta_kelahiran:1272-LT-23112026-0001:v1"


def test_disdukcapil_officers_read_audited_other_opds_do_not(app, client, citizen, staff, run_jobs):
    mom = citizen(sex="P")
    document_id, _ = _issue(app, [mom["resident"].id])
    run_jobs()
    url = f"/api/v1/documents/{document_id}/pdf"
    assert client.get(url, headers=staff(role="officer", opd="DINAS_PUTR")["headers"]).status_code == 404
    assert client.get(url, headers=staff(role="attendant")["headers"]).status_code == 403
    r = client.get(url, headers=staff(role="officer", opd="DISDUKCAPIL")["headers"])
    assert r.status_code == 200
    log = client.get("/api/v1/me/access-log", headers=mom["headers"]).json
    assert [(e["action"], e["actor_opd"]) for e in log] == [("read:document", "DISDUKCAPIL")]


def test_pdf_not_rendered_yet_is_409(app, client, citizen):
    mom = citizen()
    document_id, _ = _issue(app, [mom["resident"].id])
    with app.app_context(), UnitOfWork() as uow:  # as if the render job had not run yet
        uow.session.execute(
            update(Document).values(pdf=None, pdf_sha256=None, rendered_at=None, signed=False)
        )
        uow.commit()
    r = client.get(f"/api/v1/documents/{document_id}/pdf", headers=mom["headers"])
    assert r.status_code == 409 and r.json["reason"] == "document_not_ready"
    assert client.get(f"/api/v1/documents/{document_id}/pdf", headers=citizen()["headers"]).status_code == 404


def test_worker_warm_up_loads_the_signer_once_for_every_job(app):
    from gateway.documents.signer import local_signer

    assert any(jobs.warm_up in m.warm_up for m in app.extensions["modules"].modules)
    with app.app_context():
        jobs.warm_up()
        first = jobs.signer()
        assert jobs.signer() is first
        assert first is local_signer(jobs.signing_files())


def test_concurrent_new_versions_leave_exactly_one_valid(app, citizen):
    import threading

    head = citizen()
    _issue(app, [head["resident"].id], series_key="kk:race")
    barrier, errors = threading.Barrier(3), []

    def reissue() -> None:
        barrier.wait()
        try:
            _issue(app, [head["resident"].id], series_key="kk:race")
        except Exception as exc:  # SQLite may refuse the loser's write; it would retry
            errors.append(exc)

    threads = [threading.Thread(target=reissue) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context(), UnitOfWork() as uow:
        series = [d for d in documents.for_residents(uow, [head["resident"].id]) if d.series_key == "kk:race"]
    versions = sorted(d.version for d in series)
    assert versions == list(range(1, 5 - len(errors)))
    [valid] = [d for d in series if d.status == "valid"]
    assert valid.version == versions[-1]
    assert all(d.replaced_by_id for d in series if d is not valid)

"""Documents as people and other programs see them: poppler renders the page, zbar scans the QR code.

Each shape of document (fields only, a family table, a table running onto a second page, another
authority's permit) is issued through the service, rendered and signed by the job, and downloaded.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway import documents
from gateway.db import UnitOfWork
from tests.pdf_tools import (
    SCREEN_DPIS,
    fonts_of,
    ink_box_mm,
    page_count,
    render_page,
    scan_qr,
    size_mm,
    text_of,
)

ISSUED = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)
KK_COLUMNS = ["Nama Lengkap", "NIK", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Hubungan"]


def _member(i: int) -> list[str]:
    return [
        f"ANGGOTA KELUARGA KE {i}",
        f"1272********{i:04d}",
        "LAKI-LAKI",
        "PEMATANGSIANTAR",
        "1 Mei 2010",
        "ANAK",
    ]


SHAPES = {
    "akta": dict(
        kind="akta_kelahiran",
        number="1272-LT-23112026-0001",
        title="KUTIPAN AKTA KELAHIRAN",
        fields=[["Nama", "SINTA RAJAGUKGUK SIAHAAN"], ["Tempat Lahir", "PEMATANGSIANTAR"]],
    ),
    "kk": dict(
        kind="kartu_keluarga",
        number="1272011501200001",
        title="KARTU KELUARGA",
        fields=[["Nama Kepala Keluarga", "KEPALA KELUARGA"], ["Alamat", "Jl. Sutomo No. 1"]],
        table={"columns": KK_COLUMNS, "rows": [_member(i) for i in range(1, 9)]},
    ),
    "two_pages": dict(
        kind="kartu_keluarga",
        number="1272011501200002",
        title="KARTU KELUARGA",
        fields=[["Nama Kepala Keluarga", "KEPALA KELUARGA"]],
        table={"columns": KK_COLUMNS, "rows": [_member(i) for i in range(1, 71)]},
    ),
    "permit": dict(
        kind="izin_reklame",
        number="503/0042/DPMPTSP/2026",
        title="IZIN PENYELENGGARAAN REKLAME",
        fields=[["Pemohon", "CV MAJU BERSAMA"], ["Lokasi", "Jl. Merdeka No. 10, Kelurahan Dwikora"]],
        authority="DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU",
    ),
}


@pytest.fixture
def signed_pdf(app, client, citizen, run_jobs):
    """Issue a document of a shape, run the render job, download it: (pdf bytes, verify URL)."""

    def _make(shape: str) -> tuple[bytes, str]:
        owner = citizen()
        with app.app_context(), UnitOfWork() as uow:
            document = documents.issue(
                uow,
                public={"nama": "S. R. S."},
                owner_resident_ids=[owner["resident"].id],
                issued_at=ISSUED,
                **SHAPES[shape],
            )
            uow.commit()
            document_id, verify_url = document.id, documents.verify_url(document)
        run_jobs()
        r = client.get(f"/api/v1/documents/{document_id}/pdf", headers=owner["headers"])
        assert r.status_code == 200, r.json
        return r.data, verify_url

    return _make


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_phone_scans_the_qr_code_of_every_document_shown_on_a_screen(signed_pdf, shape):
    pdf, verify_url = signed_pdf(shape)
    last = page_count(pdf)  # the QR code sits with the signature block, at the end
    for dpi in SCREEN_DPIS:
        assert scan_qr(render_page(pdf, page=last, dpi=dpi)) == [verify_url], f"unreadable at {dpi} dpi"


@pytest.mark.parametrize("shape", ["akta", "two_pages"])
def test_every_font_is_embedded(signed_pdf, shape):
    fonts = fonts_of(signed_pdf(shape)[0])
    assert fonts, "no text?"
    assert all(f.embedded for f in fonts), [f for f in fonts if not f.embedded]
    assert {f.type for f in fonts} == {"TrueType"}  # no base-14 Helvetica left to the reader's whim


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_page_one_is_a4_with_everything_inside_the_margins(signed_pdf, shape):
    pdf, _ = signed_pdf(shape)
    page = render_page(pdf, page=1, dpi=100)
    width, height = size_mm(page, 100)
    assert abs(width - 210) < 1 and abs(height - 297) < 1
    left, top, right, bottom = ink_box_mm(page, 100)
    # 18 mm margins (a little less for the descenders of the footer line)
    assert left >= 17 and right <= 210 - 17, (left, right)
    assert top >= 17 and bottom <= 297 - 16, (top, bottom)
    # the letterhead is centred on the page
    heading = page.crop((0, int(18 / 25.4 * 100), page.width, int(30 / 25.4 * 100)))
    h_left, _, h_right, _ = ink_box_mm(heading, 100)
    assert abs((h_left + h_right) / 2 - 105) < 2


def test_a_long_table_continues_on_page_two_with_its_heads_again(signed_pdf):
    pdf, _ = signed_pdf("two_pages")
    assert page_count(pdf) == 2
    first, second = render_page(pdf, page=1, dpi=100), render_page(pdf, page=2, dpi=100)
    for page in (first, second):
        left, top, right, bottom = ink_box_mm(page, 100)
        assert left >= 17 and right <= 193 and top >= 17 and bottom <= 281
    second_text = text_of(pdf, page=2)
    assert "KARTU KELUARGA Nomor: 1272011501200002" in second_text
    assert "Nama Lengkap" in second_text and "ANGGOTA KELUARGA KE 70" in second_text
    assert "ANGGOTA KELUARGA KE 1 " not in second_text


def test_a_long_production_link_still_scans_at_72_dpi():
    """The longest link a city domain gives (53 × 53 modules) keeps ≥ 2 pixels per module at 72 dpi."""
    from gateway.documents.render import Layout, render_pdf

    url = "https://layanan-adminduk.pematangsiantarkota.go.id/api/v1/verify/" + "A" * 22 + "." + "b" * 27
    layout = Layout(
        authority="DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
        title="KUTIPAN AKTA KELAHIRAN",
        number="1272-LT-23112026-0001",
        version=1,
        fields=[["Nama", "SINTA"]],
        table=None,
        issued_at=ISSUED,
        verify_url=url,
    )
    pdf = render_pdf(layout)
    for dpi in SCREEN_DPIS:
        assert scan_qr(render_page(pdf, dpi=dpi)) == [url], f"unreadable at {dpi} dpi"

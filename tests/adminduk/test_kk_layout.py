"""The KK and the KIA as the real ones are laid out: a landscape A4 with the card's two tables, an
ID-1 card front and back; read back the way people and programs read them (poppler, zbar)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.adminduk.conftest import birth_body, now_wib
from tests.pdf_tools import page_count, page_size_mm, render_page, scan_qr, text_of

MOTHER_KK_FIELDS = dict(
    religion="KRISTEN",
    education="AKADEMI/DIPLOMA III/S. MUDA",
    occupation="PERAWAT",
    blood_type="AB",
    marriage_date=date(2019, 6, 15),
    father_name="AHMAD SIREGAR",
    mother_name="NURHAYATI LUBIS",
)


def _twins(family, report_birth):
    """Twins reported second-born first: the registry numbers them in reporting order."""
    fam = family(**MOTHER_KK_FIELDS)
    born_at = (now_wib() - timedelta(hours=1)).isoformat()
    mother, father = fam["mother"]["resident"].nik, fam["father"]["resident"].nik
    second = report_birth(
        birth_body(mother, father, born_at=born_at, multiple_birth_order=2, sex="L", child_name="Yosua")
    )
    first = report_birth(
        birth_body(mother, father, born_at=born_at, multiple_birth_order=1, sex="L", child_name="Daniel")
    )
    assert second.status_code == first.status_code == 201, (second.json, first.json)
    assert second.json["child_nik"] < first.json["child_nik"]
    return fam, first.json


def _pdf(client, headers, document_id: str) -> bytes:
    r = client.get(f"/api/v1/documents/{document_id}/pdf", headers=headers)
    assert r.status_code == 200, r.json
    return r.data


def test_the_kk_is_landscape_a4_with_both_tables_the_new_fields_and_twins_in_order(
    client, family, report_birth, run_jobs
):
    fam, first = _twins(family, report_birth)
    kk = next(d for d in first["documents"] if d["kind"] == "kk")
    run_jobs()
    pdf = _pdf(client, fam["mother"]["headers"], kk["id"])
    width, height = page_size_mm(pdf, page=1)
    assert abs(width - 297) < 0.5 and abs(height - 210) < 0.5
    assert scan_qr(render_page(pdf, page=page_count(pdf), dpi=100)) == [kk["verify_url"]]
    text = text_of(pdf)
    headings = ("Agama", "Pendidikan", "Jenis Pekerjaan", "Golongan Darah", "Status Perkawinan", "Tanggal")
    headings += ("Perkawinan", "Kewarganegaraan", "No. Paspor", "No. KITAS/KITAP", "Nama Ayah", "Nama Ibu")
    for heading in headings:  # a narrow column wraps its heading: word by word
        assert all(word in text for word in heading.split()), heading
    for value in ("PERAWAT", "AB", "KRISTEN", "15 Juni 2019", "AHMAD SIREGAR", "NURHAYATI LUBIS", "WNI"):
        assert value in text, value
    # The twins carry their parents' names (from the birth), and the first-born is listed first.
    assert text.count("SITI SIREGAR") >= 3 and text.count("BUDI SIMANJUNTAK") >= 3
    assert text.index("DANIEL") < text.index("YOSUA")
    # Two tables, each with one "No" column and the card's first column after it; members 1-4 in each.
    assert re.findall(r"^\s*No\s+(\S+)", text, re.M) == ["Nama", "Status"]
    assert len(re.findall(r"^\s*4\s+\S", text, re.M)) == 2 and not re.search(r"^\s*5\s", text, re.M)


def test_the_kia_is_an_id1_card_front_and_back_with_a_readable_qr(client, family, report_birth, run_jobs):
    fam, first = _twins(family, report_birth)
    kia = next(d for d in first["documents"] if d["kind"] == "kia")
    run_jobs()
    pdf = _pdf(client, fam["mother"]["headers"], kia["id"])
    assert page_count(pdf) == 2
    for page in (1, 2):
        width, height = page_size_mm(pdf, page=page)
        assert abs(width - 85.6) < 0.2 and abs(height - 54) < 0.2, (page, width, height)
    front = text_of(pdf, page=1)
    assert "KARTU IDENTITAS ANAK" in front and "PAS FOTO ANAK" in front and "DANIEL" in front
    assert first["child_nik"] in front
    assert scan_qr(render_page(pdf, page=2, dpi=100)) == [kia["verify_url"]]
    assert scan_qr(render_page(pdf, page=1, dpi=100)) == []  # the QR is on the back

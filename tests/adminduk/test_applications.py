"""Applications online: KK changes, reprints of lost documents, moving out — filing, review, decision."""

from __future__ import annotations

import base64
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy import delete, select, update

from gateway.audit import AccessLog
from gateway.documents.models import Document
from gateway.identity.models import Resident
from gateway.workdays import CityCalendarDay
from services.adminduk.applications.models import Application, ApplicationAttachment
from tests.adminduk.conftest import birth_body, new_kk

WIB = ZoneInfo("Asia/Jakarta")
API = "/api/v1/adminduk/applications"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(kind: str, data: bytes = PDF, content_type: str = "application/pdf") -> dict[str, Any]:
    return {
        "kind": kind,
        "content_type": content_type,
        "data": base64.b64encode(data).decode(),
        "filename": f"{kind}.pdf",
    }


def address_change(**overrides: Any) -> dict[str, Any]:
    section = {
        "change": "address",
        "kelurahan_code": "12.72.02.1003",
        "address": "Jl. Merdeka No. 45",
        "rt": "4",
        "rw": "7",
    }
    section.update(overrides)
    return {"kind": "kk_change", "kk_change": section}


def marital_change(nik: str | None = None, **overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "change": "marital_status",
        "marriage_date": (date.today() - timedelta(days=30)).isoformat(),
        "marriage_certificate_number": "AP-1272-2026-0042",
    }
    if nik:
        section["resident_nik"] = nik
    section.update(overrides)
    return {
        "kind": "kk_change",
        "kk_change": section,
        "attachments": [upload("marriage_certificate")],
    }


def reprint(document: str, nik: str | None = None, **overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {"document": document, "police_report_number": "SKTLK/123/XI/2026/Res.Siantar"}
    if nik:
        section["resident_nik"] = nik
    section.update(overrides)
    return {"kind": "reprint", "reprint": section, "attachments": [upload("police_loss_report")]}


def move_out(**overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "destination_region_code": "12.71",
        "destination_address": "Jl. Gatot Subroto No. 10, Medan",
        "reason": "pekerjaan",
    }
    section.update(overrides)
    return {"kind": "move_out", "move_out": section}


@pytest.fixture
def apply(client):
    def _post(headers: dict[str, str], body: dict[str, Any], expect: int | None = 201) -> Any:
        r = client.post(API, json=body, headers=headers)
        if expect is not None:
            assert r.status_code == expect, r.json
        return r

    return _post


@pytest.fixture
def act(client, officer):
    """An officer's transition: act(id, 'approve', {...}, headers=None, expect=200)."""

    def _act(
        app_id: str,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        expect: int | None = 200,
    ) -> Any:
        r = client.post(f"{API}/{app_id}/{action}", json=body or {}, headers=headers or officer["headers"])
        if expect is not None:
            assert r.status_code == expect, r.json
        return r

    return _act


@pytest.fixture
def born_family(family, report_birth):
    """A married couple with a newborn registered: the KK, akta and KIA exist (version 1)."""

    def _make(**kw: Any) -> dict[str, Any]:
        fam = family(**kw)
        r = report_birth(
            birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik, child_name="Rina Maria")
        )
        assert r.status_code == 201, r.json
        fam["birth"] = r.json
        fam["docs"] = {d["kind"]: d for d in r.json["documents"]}
        fam["child_nik"] = r.json["child_nik"]
        return fam

    return _make


def verify_status(client, verify_url: str) -> str:
    return client.get(urlparse(verify_url).path).json["status"]


def local(ts: str) -> datetime:
    return datetime.fromisoformat(ts).astimezone(WIB)


# ---- KK change: address --------------------------------------------------------------------------------


def test_address_change_moves_the_whole_family_and_issues_new_kk_and_kia(
    client, born_family, apply, act, db, run_jobs
):
    fam = born_family()
    old_kk, old_kia = fam["docs"]["kk"], fam["docs"]["kia"]
    r = apply(fam["father"]["headers"], address_change())
    body = r.json
    assert body["state"] == "submitted" and body["kind"] == "kk_change" and body["sub_kind"] == "address"
    assert body["tracking_number"].startswith("PM-") and body["fee"] == 0
    assert body["channel"] == "app" and body["sla_workdays"] == 3
    assert body["details"]["kelurahan"] == "Bantan" and body["details"]["rt"] == "004"

    act(body["id"], "review")
    approved = act(body["id"], "approve", {"note": "sesuai"}).json
    assert approved["state"] == "approved"
    assert [e["kind"] for e in approved["events"]] == ["submitted", "review_started", "approved"]
    kinds = sorted(d["kind"] for d in approved["documents"])
    assert kinds == ["kia", "kk"]

    members = db(lambda s: list(s.scalars(select(Resident).where(Resident.kk_number == fam["kk"]))))
    assert len(members) == 3
    assert {(m.kelurahan_code, m.address, m.rt, m.rw) for m in members} == {
        ("12.72.02.1003", "JL. MERDEKA NO. 45", "004", "007")
    }
    new_kk = next(d for d in approved["documents"] if d["kind"] == "kk")
    assert new_kk["number"] == old_kk["number"] and new_kk["version"] == old_kk["version"] + 1
    fields = dict(db(lambda s: s.get(Document, new_kk["id"])).fields)
    assert fields["Alamat"] == "JL. MERDEKA NO. 45" and fields["RT/RW"] == "004/007"
    assert fields["Desa/Kelurahan"] == "BANTAN" and fields["Kecamatan"] == "SIANTAR BARAT"
    new_kia = next(d for d in approved["documents"] if d["kind"] == "kia")
    kia_fields = dict(db(lambda s: s.get(Document, new_kia["id"])).fields)
    assert kia_fields["Alamat"] == "JL. MERDEKA NO. 45 RT 004/RW 007"
    assert kia_fields["No. Akta Kelahiran"] == fam["birth"]["akta_number"]
    run_jobs()
    assert verify_status(client, old_kk["verify_url"]) == "replaced"
    assert verify_status(client, old_kia["verify_url"]) == "replaced"
    assert verify_status(client, new_kk["verify_url"]) == "valid"
    mine = client.get("/api/v1/me/documents", headers=fam["mother"]["headers"]).json
    assert any(d["id"] == new_kk["id"] for d in mine)


def test_address_change_must_stay_within_the_city_and_change_something(born_family, apply, count):
    fam = born_family()
    h = fam["father"]["headers"]
    r = apply(h, address_change(kelurahan_code="12.71.01.1001"), expect=422)
    assert r.json["reason"] == "kelurahan_not_in_city"
    r = apply(h, address_change(kelurahan_code="12.72.01.9999"), expect=422)
    assert r.json["reason"] == "kelurahan_not_in_city"
    r = apply(
        h,
        address_change(kelurahan_code="12.72.01.1001", address="Jl. Sutomo No. 1", rt="1", rw="2"),
        expect=422,
    )
    assert r.json["reason"] == "nothing_to_change"
    r = apply(
        h,
        {"kind": "kk_change", "kk_change": {"change": "address", "kelurahan_code": "12.72.02.1003"}},
        expect=422,
    )
    assert set(r.json["errors"]["json"]["kk_change"]) == {"address", "rt", "rw"}
    r = apply(h, {"kind": "kk_change", "reprint": reprint("kk")["reprint"]}, expect=422)
    assert "kk_change" in r.json["errors"]["json"]
    assert count(Application) == 0


# ---- KK change: occupation, education, marital status ---------------------------------------------------


def test_occupation_and_education_changes_update_the_registry_and_kk(born_family, apply, act, db, count):
    fam = born_family()
    mother_nik = fam["mother"]["resident"].nik
    r = apply(
        fam["father"]["headers"],
        {
            "kind": "kk_change",
            "kk_change": {"change": "occupation", "resident_nik": mother_nik, "occupation": "guru"},
        },
    )
    approved = act(r.json["id"], "approve").json
    assert approved["state"] == "approved" and approved["subject_name"] == "SITI SIREGAR"
    mother = db(lambda s: s.scalar(select(Resident).where(Resident.nik == mother_nik)))
    assert mother.occupation == "GURU"
    kk = db(lambda s: s.get(Document, approved["documents"][0]["id"]))
    assert kk.kind == "kk" and kk.version == fam["docs"]["kk"]["version"] + 1
    assert "Perubahan pekerjaan SITI SIREGAR: GURU" in dict(kk.fields)["Keterangan"]

    # Education needs the diploma (ijazah).
    edu = {"kind": "kk_change", "kk_change": {"change": "education", "education": "DIPLOMA IV/STRATA I"}}
    r = apply(fam["father"]["headers"], edu, expect=422)
    assert r.json["reason"] == "attachment_missing" and r.json["missing"] == ["ijazah"]
    assert count(Application) == 1
    r = apply(fam["father"]["headers"], edu | {"attachments": [upload("ijazah", PNG, "image/png")]})
    assert r.json["attachments"][0]["content_type"] == "image/png"
    act(r.json["id"], "approve")
    father = db(lambda s: s.get(Resident, fam["father"]["resident"].id))
    assert father.education == "DIPLOMA IV/STRATA I"


def test_marital_status_after_marriage_needs_the_marriage_certificate(citizen, apply, act, db, count, client):
    kk = new_kk()
    single = citizen(
        full_name="ANDI PURBA",
        kk_number=kk,
        marital_status="BELUM KAWIN",
        family_relationship="KEPALA KELUARGA",
        birth_date=date(1996, 4, 2),
    )
    body = marital_change()
    r = apply(single["headers"], body | {"attachments": []}, expect=422)
    assert r.json["reason"] == "attachment_missing" and r.json["missing"] == ["marriage_certificate"]
    r = apply(single["headers"], body | {"attachments": [upload("police_loss_report")]}, expect=422)
    assert r.json["reason"] == "attachment_missing"
    assert count(Application) == 0
    r = apply(single["headers"], body)
    approved = act(r.json["id"], "approve").json
    person = db(lambda s: s.get(Resident, single["resident"].id))
    assert person.marital_status == "KAWIN TERCATAT"
    kk_doc = db(lambda s: s.get(Document, approved["documents"][0]["id"]))
    assert kk_doc.table["rows"][0][7] == "KAWIN TERCATAT"
    assert kk_doc.version == 1  # this family's first KK through the system
    # Already married now: a second application is refused.
    r = apply(single["headers"], body, expect=422)
    assert r.json["reason"] == "already_married"
    r = apply(
        single["headers"],
        marital_change(marriage_date=(date.today() + timedelta(days=3)).isoformat()),
        expect=422,
    )
    assert r.json["reason"] in ("already_married", "marriage_in_future")


# ---- reprints -------------------------------------------------------------------------------------------


def test_reprint_of_a_childs_lost_akta_is_a_new_version_of_the_same_series(
    client, born_family, apply, act, db, run_jobs
):
    fam = born_family()
    old = fam["docs"]["akta_kelahiran"]
    r = apply(
        fam["mother"]["headers"],
        reprint("akta_kelahiran", fam["child_nik"], lost_on=date.today().isoformat()),
    )
    assert r.json["sla_workdays"] == 1 and r.json["subject_name"] == "RINA MARIA"
    assert r.json["required_attachments"] == ["police_loss_report"]
    approved = act(r.json["id"], "approve").json
    (doc,) = approved["documents"]
    assert doc["kind"] == "akta_kelahiran" and doc["number"] == old["number"] == fam["birth"]["akta_number"]
    assert doc["version"] == old["version"] + 1 and doc["status"] == "valid"
    new = db(lambda s: s.get(Document, doc["id"]))
    previous = db(lambda s: s.get(Document, old["id"]))
    assert previous.status == "replaced" and previous.replaced_by_id == new.id
    fields = dict(new.fields)
    assert fields["Nama"] == "RINA MARIA" and fields["Nomor Induk Kependudukan"] == fam["child_nik"]
    assert "SKTLK/123/XI/2026/Res.Siantar" in fields["Keterangan Cetak Ulang"]
    assert set(new.owner_resident_ids) == set(previous.owner_resident_ids)
    run_jobs()
    assert verify_status(client, old["verify_url"]) == "replaced"
    assert client.get(urlparse(old["verify_url"]).path).json["replaced_by"]["version"] == doc["version"]
    pdf = client.get(doc["pdf_url"], headers=fam["father"]["headers"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_reprint_of_kk_and_kia(born_family, apply, act, db):
    fam = born_family()
    kk = act(apply(fam["father"]["headers"], reprint("kk")).json["id"], "approve").json["documents"][0]
    assert (
        kk["kind"] == "kk" and kk["number"] == fam["kk"] and kk["version"] == fam["docs"]["kk"]["version"] + 1
    )
    assert "Cetak ulang" in dict(db(lambda s: s.get(Document, kk["id"])).fields)["Keterangan"]
    kia = act(apply(fam["father"]["headers"], reprint("kia", fam["child_nik"])).json["id"], "approve").json
    assert kia["documents"][0]["number"] == fam["child_nik"] and kia["documents"][0]["version"] == 2
    assert db(lambda s: s.get(Document, fam["docs"]["kia"]["id"])).status == "replaced"


def test_reprint_needs_the_police_loss_report_and_a_document_on_record(born_family, apply, count):
    fam = born_family()
    h = fam["mother"]["headers"]
    r = apply(h, reprint("akta_kelahiran", fam["child_nik"]) | {"attachments": []}, expect=422)
    assert r.json["reason"] == "attachment_missing" and r.json["missing"] == ["police_loss_report"]
    # The mother has no akta issued through the system: nothing to reprint online.
    r = apply(h, reprint("akta_kelahiran"), expect=404)
    assert r.json["reason"] == "document_not_found"
    # A KIA is for children only.
    r = apply(h, reprint("kia"), expect=422)
    assert r.json["reason"] == "kia_not_applicable"
    r = apply(
        h,
        {"kind": "reprint", "reprint": {"document": "kk"}, "attachments": [upload("police_loss_report")]},
        expect=422,
    )
    assert "police_report_number" in r.json["errors"]["json"]["reprint"]
    assert count(Application) == 0


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (b"MZ\x90\x00 this is an exe", "application/pdf", "attachment_type_mismatch"),
        (PNG, "application/pdf", "attachment_type_mismatch"),
        (PDF, "application/zip", "attachment_type_not_allowed"),
        (PDF + b"x" * (2 * 1024 * 1024), "application/pdf", "attachment_too_large"),
        (b"", "application/pdf", "attachment_empty"),
    ],
)
def test_invalid_attachments_are_refused_and_nothing_is_written(
    born_family, apply, count, data, content_type, reason
):
    fam = born_family()
    body = reprint("kk") | {"attachments": [upload("police_loss_report", data, content_type)]}
    r = apply(fam["father"]["headers"], body, expect=422)
    assert r.json["reason"] == reason
    assert "attachments.0" in r.json["errors"]["json"]
    assert count(Application) == 0 and count(ApplicationAttachment) == 0


def test_attachment_that_is_not_base64_or_of_unknown_kind(born_family, apply, count):
    fam = born_family()
    att = upload("police_loss_report") | {"data": "%%% not base64 %%%"}
    r = apply(fam["father"]["headers"], reprint("kk") | {"attachments": [att]}, expect=422)
    assert r.json["reason"] == "attachment_not_base64"
    r = apply(fam["father"]["headers"], reprint("kk") | {"attachments": [upload("selfie")]}, expect=422)
    assert "attachments" in r.json["errors"]["json"]
    assert count(Application) == 0


# ---- moving out -----------------------------------------------------------------------------------------


def test_move_out_of_one_member_issues_skpwni_and_a_kk_without_them(
    client, born_family, make_resident, apply, act, db, run_jobs
):
    fam = born_family()
    son = make_resident(
        full_name="JOSUA SIMANJUNTAK",
        kk_number=fam["kk"],
        family_relationship="ANAK",
        marital_status="BELUM KAWIN",
        birth_date=date(2003, 5, 20),
        mother_nik=fam["mother"]["resident"].nik,
        father_nik=fam["father"]["resident"].nik,
    )
    old_kk = fam["docs"]["kk"]
    r = apply(
        fam["father"]["headers"],
        move_out(destination_region_code="1271010", member_niks=[son.nik], reason="pendidikan"),
        expect=422,
    )
    assert r.json["reason"] == "unknown_region"
    r = apply(fam["father"]["headers"], move_out(destination_region_code="12.71.01", member_niks=[son.nik]))
    assert r.json["sla_workdays"] == 3 and r.json["subject_name"] == "JOSUA SIMANJUNTAK"
    assert r.json["details"]["destination_region"] == "Medan Kota"
    assert r.json["details"]["member_niks"] == [son.nik[:4] + "********" + son.nik[-4:]]
    approved = act(r.json["id"], "approve").json
    skpwni, kk = approved["documents"]
    assert skpwni["kind"] == "skpwni" and skpwni["title"] == "SURAT KETERANGAN PINDAH"
    assert (
        skpwni["number"].startswith("1272-SKPWNI-")
        and approved["details"]["skpwni_number"] == skpwni["number"]
    )
    fields = dict(db(lambda s: s.get(Document, skpwni["id"])).fields)
    assert fields["Daerah Tujuan"] == "KEC. MEDAN KOTA, KOTA MEDAN (12.71.01)"
    assert fields["Kabupaten/Kota Asal"] == "KOTA PEMATANGSIANTAR"
    assert db(lambda s: s.get(Document, skpwni["id"])).table["rows"] == [
        ["1", son.nik, "JOSUA SIMANJUNTAK", "ANAK"]
    ]
    moved = db(lambda s: s.get(Resident, son.id))
    assert moved.moved_out_at is not None and not moved.is_active
    assert kk["kind"] == "kk" and kk["version"] == old_kk["version"] + 1
    names = [row[2] for row in db(lambda s: s.get(Document, kk["id"])).table["rows"]]
    assert "JOSUA SIMANJUNTAK" not in names and names[0] == "BUDI SIMANJUNTAK" and len(names) == 3
    run_jobs()
    assert verify_status(client, old_kk["verify_url"]) == "replaced"
    assert verify_status(client, skpwni["verify_url"]) == "valid"
    letter = client.get(skpwni["pdf_url"], headers=fam["father"]["headers"])  # the applicant's copy
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    assert client.get(skpwni["pdf_url"], headers=fam["mother"]["headers"]).status_code == 404


def test_move_out_destination_must_be_outside_the_city(born_family, apply, count):
    fam = born_family()
    h = fam["father"]["headers"]
    for code in ("12.72", "12.72.02", "127203"):
        r = apply(h, move_out(destination_region_code=code), expect=422)
        assert r.json["reason"] == "destination_inside_city", code
    for code in ("99.99", "12.71.01.1001", "12.99"):
        r = apply(h, move_out(destination_region_code=code), expect=422)
        assert r.json["reason"] == "unknown_region", code
    assert count(Application) == 0


def test_head_of_family_moving_alone_needs_a_new_head(born_family, apply, act, db):
    fam = born_family()
    h = fam["father"]["headers"]
    r = apply(h, move_out(), expect=422)
    assert r.json["reason"] == "new_head_required"
    r = apply(h, move_out(new_head_nik=fam["child_nik"]), expect=422)
    assert r.json["reason"] == "new_head_invalid"  # a baby cannot head a family
    r = apply(h, move_out(new_head_nik=fam["mother"]["resident"].nik))
    approved = act(r.json["id"], "approve").json
    mother = db(lambda s: s.get(Resident, fam["mother"]["resident"].id))
    assert mother.family_relationship == "KEPALA KELUARGA"
    kk = db(lambda s: s.get(Document, approved["documents"][1]["id"]))
    assert dict(kk.fields)["Nama Kepala Keluarga"] == "SITI SIREGAR"


def test_whole_family_moving_out_withdraws_the_kk(client, born_family, apply, act, db, run_jobs):
    fam = born_family()
    everyone = [fam["father"]["resident"].nik, fam["mother"]["resident"].nik, fam["child_nik"]]
    r = apply(fam["mother"]["headers"], move_out(member_niks=everyone, destination_region_code="31.71"))
    approved = act(r.json["id"], "approve").json
    assert [d["kind"] for d in approved["documents"]] == ["skpwni"]
    assert db(lambda s: s.get(Document, fam["docs"]["kk"]["id"])).status == "revoked"
    moved = db(lambda s: list(s.scalars(select(Resident).where(Resident.kk_number == fam["kk"]))))
    assert all(m.moved_out_at is not None for m in moved)
    run_jobs()
    assert verify_status(client, fam["docs"]["kk"]["verify_url"]) == "revoked"
    # Those who left can no longer apply online in this city.
    r = apply(fam["mother"]["headers"], reprint("kk"), expect=403)
    assert r.json["reason"] == "resident_not_active"


# ---- review: correction round trip, rejection, cancel, ETag ---------------------------------------------


def test_request_for_correction_round_trip(client, citizen, officer, apply, act, db, run_jobs, sms_to):
    kk = new_kk()
    single = citizen(
        full_name="ANDI PURBA", kk_number=kk, marital_status="BELUM KAWIN", birth_date=date(1996, 4, 2)
    )
    r = apply(single["headers"], marital_change(marriage_certificate_number="AP-SALAH"))
    app_id, first_due = r.json["id"], r.json["due_at"]
    act(app_id, "review", {"note": "cek akta perkawinan"})
    act(app_id, "notes", {"note": "nomor akta tidak cocok dengan KUA", "visible_to_citizen": False})
    back = act(
        app_id, "request-correction", {"note": "Nomor akta perkawinan tidak terbaca; unggah ulang"}
    ).json
    assert back["state"] == "needs_correction"

    # Queue (default: files with the office) no longer shows it; the citizen sees the note.
    queue = client.get(f"{API}/queue", headers=officer["headers"]).json
    assert app_id not in [i["id"] for i in queue]
    queue = client.get(f"{API}/queue?state=needs_correction", headers=officer["headers"]).json
    assert [i["id"] for i in queue] == [app_id]
    mine = client.get(f"{API}/{app_id}", headers=single["headers"]).json
    assert mine["state"] == "needs_correction"
    assert mine["correction_note"] == "Nomor akta perkawinan tidak terbaca; unggah ulang"
    assert "note" not in [e["kind"] for e in mine["events"]]  # internal notes stay internal

    # Only the corrected file, wrong kind of section: refused.
    r = client.post(
        f"{API}/{app_id}/resubmit", json={"reprint": reprint("kk")["reprint"]}, headers=single["headers"]
    )
    assert r.status_code == 422 and r.json["reason"] == "wrong_application_kind"
    section = marital_change(marriage_certificate_number="AP-1272-2026-0042")["kk_change"]
    r = client.post(
        f"{API}/{app_id}/resubmit",
        json={
            "kk_change": section,
            "attachments": [upload("marriage_certificate", PNG, "image/png")],
            "note": "sudah diperbaiki",
        },
        headers=single["headers"],
    )
    assert r.status_code == 200, r.json
    again = r.json
    assert again["state"] == "submitted" and again["resubmissions"] == 1
    assert again["details"]["marriage_certificate_number"] == "AP-1272-2026-0042"
    assert local(again["due_at"]) >= local(first_due)
    files = [(a["kind"], a["content_type"], a["superseded"]) for a in again["attachments"]]
    assert files == [
        ("marriage_certificate", "application/pdf", True),
        ("marriage_certificate", "image/png", False),
    ]
    old_file = client.get(again["attachments"][0]["url"], headers=single["headers"])
    assert old_file.status_code == 200 and old_file.data == PDF
    # Resubmitting twice is not possible: it is with the office again.
    r = client.post(f"{API}/{app_id}/resubmit", json={}, headers=single["headers"])
    assert r.status_code == 409 and r.json["reason"] == "not_awaiting_correction"

    done = act(app_id, "approve").json
    assert [e["kind"] for e in done["events"]] == [
        "submitted",
        "review_started",
        "note",
        "correction_requested",
        "resubmitted",
        "approved",
    ]
    assert done["events"][2]["visible_to_citizen"] is False
    assert db(lambda s: s.get(Resident, single["resident"].id)).marital_status == "KAWIN TERCATAT"
    run_jobs()
    texts = sms_to(single["account"].phone)
    assert len(texts) == 5  # submitted, review, correction, resubmitted, approved — not the internal note
    assert any("tidak terbaca" in t for t in texts)


def test_reject_needs_a_reason_and_tells_the_citizen(client, born_family, apply, act, run_jobs, sms_to):
    fam = born_family()
    app_id = apply(fam["father"]["headers"], reprint("kk")).json["id"]
    r = act(app_id, "reject", {}, expect=422)
    assert "reason" in r.json["errors"]["json"]
    r = act(app_id, "reject", {"reason": "  "}, expect=422)
    rejected = act(app_id, "reject", {"reason": "Surat kehilangan dari kepolisian tidak sah"}).json
    assert rejected["state"] == "rejected" and rejected["decision_reason"].startswith("Surat kehilangan")
    assert rejected["decided_at"] and rejected["documents"] == []
    act(app_id, "approve", expect=409)
    act(app_id, "request-correction", {"note": "terlambat"}, expect=409)
    r = client.post(f"{API}/{app_id}/cancel", json={}, headers=fam["father"]["headers"])
    assert r.status_code == 409 and r.json["reason"] == "application_closed"
    run_jobs()
    texts = sms_to(fam["father"]["account"].phone)
    assert any("ditolak: Surat kehilangan dari kepolisian tidak sah" in t for t in texts)
    # A rejected application does not block a new one.
    apply(fam["father"]["headers"], reprint("kk"))


def test_one_open_application_per_thing_and_cancel_before_approval(client, born_family, apply, act):
    fam = born_family()
    first = apply(fam["father"]["headers"], address_change()).json
    r = apply(fam["mother"]["headers"], address_change(rt="9"), expect=409)
    assert r.json["reason"] == "application_open" and r.json["existing_id"] == first["id"]
    # Only the applicant withdraws an application.
    r = client.post(f"{API}/{first['id']}/cancel", json={}, headers=fam["mother"]["headers"])
    assert r.status_code == 404
    r = client.post(
        f"{API}/{first['id']}/cancel", json={"reason": "batal pindah"}, headers=fam["father"]["headers"]
    )
    assert r.status_code == 200 and r.json["state"] == "cancelled"
    act(first["id"], "approve", expect=409)
    second = apply(fam["mother"]["headers"], address_change(rt="9")).json
    act(second["id"], "approve")
    r = client.post(f"{API}/{second['id']}/cancel", json={}, headers=fam["mother"]["headers"])
    assert r.status_code == 409


def test_etag_if_match_is_optional_but_checked(client, born_family, apply, officer):
    fam = born_family()
    app_id = apply(fam["father"]["headers"], reprint("kk")).json["id"]
    got = client.get(f"{API}/{app_id}", headers=officer["headers"])
    etag = got.headers["ETag"]
    assert etag.startswith('"') and got.json["version"] == 1
    r = client.post(f"{API}/{app_id}/review", json={}, headers={**officer["headers"], "If-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    # Someone else moved it on: the stale tag is refused, nothing changes.
    r = client.post(f"{API}/{app_id}/approve", json={}, headers={**officer["headers"], "If-Match": etag})
    assert r.status_code == 412 and r.json["reason"] == "etag_mismatch"
    assert client.get(f"{API}/{app_id}", headers=officer["headers"]).json["state"] == "in_review"
    fresh = client.get(f"{API}/{app_id}", headers=officer["headers"]).headers["ETag"]
    r = client.post(f"{API}/{app_id}/approve", json={}, headers={**officer["headers"], "If-Match": fresh})
    assert r.status_code == 200 and r.json["state"] == "approved"


# ---- SLA and the queue ----------------------------------------------------------------------------------


def _expected_deadline(start_local: date, days: int, city_off: set[date]) -> date:
    current, left = start_local, days
    national = holidays.country_holidays("ID", years=[start_local.year, start_local.year + 1])
    while left:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in national and current not in city_off:
            left -= 1
    return current


def test_sla_deadline_counts_working_days_with_the_city_calendar(app, born_family, apply, db):
    fam = born_family()
    today = datetime.now(WIB).date()
    national = holidays.country_holidays("ID", years=[today.year, today.year + 1])
    next_workday = today + timedelta(days=1)
    while next_workday.weekday() >= 5 or next_workday in national:
        next_workday += timedelta(days=1)

    def _add(s: Any) -> None:
        s.add(CityCalendarDay(day=next_workday, name="Cuti bersama kota (uji)", is_workday=False))
        s.commit()

    db(_add)
    try:
        kk_change = apply(fam["father"]["headers"], address_change()).json
        reprint_app = apply(fam["father"]["headers"], reprint("kk")).json
    finally:
        db(
            lambda s: (
                s.execute(delete(CityCalendarDay).where(CityCalendarDay.day == next_workday)),
                s.commit(),
            )
        )
    for body, days in ((kk_change, 3), (reprint_app, 1)):
        due = local(body["due_at"])
        start = local(body["submitted_at"]).date()
        assert due.time() == time(16, 0)
        assert due.date() == _expected_deadline(start, days, {next_workday})
        assert due.date() != next_workday and due.weekday() < 5
    assert local(reprint_app["due_at"]).date() > next_workday  # the city's day off is skipped


def test_queue_filters_by_state_kind_age_and_overdue_oldest_first(
    client, born_family, apply, act, officer, db
):
    fam = born_family()
    other = born_family()
    a = apply(fam["father"]["headers"], reprint("kk")).json
    b = apply(other["father"]["headers"], address_change()).json
    c = apply(other["mother"]["headers"], reprint("kia", other["child_nik"])).json
    now = datetime.now(WIB)

    def _age(s: Any) -> None:
        # a: filed 10 days ago and overdue; b: 2 days ago, still in time.
        s.execute(
            update(Application)
            .where(Application.id == a["id"])
            .values(submitted_at=now - timedelta(days=10), due_at=now - timedelta(days=8))
        )
        s.execute(
            update(Application).where(Application.id == b["id"]).values(submitted_at=now - timedelta(days=2))
        )
        s.commit()

    db(_age)
    act(c["id"], "review")
    h = officer["headers"]
    q = client.get(f"{API}/queue", headers=h)
    assert q.status_code == 200
    assert [i["id"] for i in q.json] == [a["id"], b["id"], c["id"]]
    assert q.json[0]["overdue"] is True and q.json[0]["age_days"] == 10
    assert q.json[0]["applicant_nik"].count("*") == 8 and "X-Pagination" in q.headers
    assert [i["id"] for i in client.get(f"{API}/queue?overdue=true", headers=h).json] == [a["id"]]
    assert [i["id"] for i in client.get(f"{API}/queue?overdue=false", headers=h).json] == [b["id"], c["id"]]
    assert [i["id"] for i in client.get(f"{API}/queue?older_than_days=5", headers=h).json] == [a["id"]]
    assert [i["id"] for i in client.get(f"{API}/queue?older_than_days=1", headers=h).json] == [
        a["id"],
        b["id"],
    ]
    assert [i["id"] for i in client.get(f"{API}/queue?state=in_review", headers=h).json] == [c["id"]]
    assert [i["id"] for i in client.get(f"{API}/queue?kind=kk_change", headers=h).json] == [b["id"]]
    assert [i["id"] for i in client.get(f"{API}/queue?kind=reprint&sub_kind=kia", headers=h).json] == [
        c["id"]
    ]
    page = client.get(f"{API}/queue?page=2&page_size=2", headers=h)
    assert [i["id"] for i in page.json] == [c["id"]]
    assert client.get(f"{API}/queue?state=bogus", headers=h).status_code == 422
    # Listing personal data is audited.
    logged = db(
        lambda s: list(
            s.scalars(select(AccessLog.action).where(AccessLog.resident_id == fam["father"]["resident"].id))
        )
    )
    assert "list:applications" in logged


# ---- who may see and do what ----------------------------------------------------------------------------


def test_officers_of_other_opds_and_other_roles_get_nothing(client, born_family, apply, staff):
    fam = born_family()
    app_id = apply(fam["father"]["headers"], reprint("kk")).json["id"]
    putr = staff("officer", "DINAS_PUTR")
    for path in (f"{API}/queue", f"{API}/{app_id}"):
        r = client.get(path, headers=putr["headers"])
        assert r.status_code == 404, path
    for action in ("review", "approve", "request-correction", "notes"):
        body = {"note": "x y z"} if action in ("request-correction", "notes") else {}
        r = client.post(f"{API}/{app_id}/{action}", json=body, headers=putr["headers"])
        assert r.status_code == 404, action
    r = client.post(f"{API}/{app_id}/reject", json={"reason": "bukan urusan"}, headers=putr["headers"])
    assert r.status_code == 404
    # Citizens cannot work the queue at all.
    assert client.get(f"{API}/queue", headers=fam["father"]["headers"]).status_code == 403
    r = client.post(f"{API}/{app_id}/approve", json={}, headers=fam["father"]["headers"])
    assert r.status_code == 403


def test_citizens_of_another_family_get_404(client, born_family, citizen, apply):
    fam = born_family()
    stranger = citizen(full_name="ORANG LAIN", kk_number=new_kk())
    app_id = apply(fam["mother"]["headers"], reprint("akta_kelahiran", fam["child_nik"])).json["id"]
    for path in (f"{API}/{app_id}",):
        assert client.get(path, headers=stranger["headers"]).status_code == 404
    for action in ("resubmit", "cancel"):
        r = client.post(f"{API}/{app_id}/{action}", json={}, headers=stranger["headers"])
        assert r.status_code == 404, action
    assert client.get(API, headers=stranger["headers"]).json == []
    # Nor can they apply about someone else's family.
    r = apply(stranger["headers"], reprint("akta_kelahiran", fam["child_nik"]), expect=404)
    assert r.json["reason"] == "resident_not_found"
    section = {"change": "occupation", "resident_nik": fam["mother"]["resident"].nik, "occupation": "PETANI"}
    r = apply(stranger["headers"], {"kind": "kk_change", "kk_change": section}, expect=404)
    r = apply(stranger["headers"], move_out(member_niks=[fam["father"]["resident"].nik]), expect=404)
    # The applicant's spouse sees nothing of it either: it is neither hers nor about her.
    assert client.get(f"{API}/{app_id}", headers=fam["father"]["headers"]).status_code == 404
    mine = client.get(API, headers=fam["mother"]["headers"])
    assert [a["id"] for a in mine.json] == [app_id] and mine.headers.get("X-Pagination")


def test_counter_files_on_behalf_of_a_resident_without_phone_and_it_is_audited(
    client, make_resident, staff, officer, apply, act, db
):
    kk = new_kk()
    oma = make_resident(
        full_name="RUMONDANG SINAGA",
        sex="P",
        birth_date=date(1948, 2, 3),
        kk_number=kk,
        marital_status="CERAI MATI",
    )
    counter = staff("counter", "DISDUKCAPIL")
    headers = {
        **counter["headers"],
        "X-On-Behalf-Of": oma.nik,
        "X-On-Behalf-Reason": "cetak ulang KK, KTP ditunjukkan di loket MPP",
    }
    r = apply(headers, reprint("kk"))
    assert r.json["channel"] == "counter" and r.json["applicant_name"] == "RUMONDANG SINAGA"
    assert [e["actor"] for e in r.json["events"]] == ["counter:DISDUKCAPIL"]
    approved = act(r.json["id"], "approve").json
    assert approved["documents"][0]["kind"] == "kk"
    # The counter prints it for her (audited) once it is rendered, and can follow the application.
    assert client.get(f"{API}/{r.json['id']}", headers=headers).status_code == 200
    assert client.get(f"{API}/{r.json['id']}", headers=counter["headers"]).status_code == 404
    rows = db(
        lambda s: list(
            s.execute(
                select(AccessLog.action, AccessLog.actor_role, AccessLog.reason).where(
                    AccessLog.resident_id == oma.id
                )
            )
        )
    )
    actions = {row.action for row in rows}
    assert "file:application" in actions and "read:application" in actions
    filed = next(row for row in rows if row.action == "file:application")
    assert filed.actor_role == "counter" and "KTP ditunjukkan" in filed.reason
    # one row per request: the service's specific row replaces the gateway's generic one
    assert not any(row.action.startswith("POST") and row.actor_role == "counter" for row in rows)


def test_officer_read_is_audited_in_the_citizens_access_log(client, born_family, apply, officer):
    fam = born_family()
    app_id = apply(fam["father"]["headers"], reprint("kk")).json["id"]
    seen = client.get(f"{API}/{app_id}", headers=officer["headers"])
    assert seen.status_code == 200 and seen.json["applicant_name"] == "BUDI SIMANJUNTAK"
    att = client.get(seen.json["attachments"][0]["url"], headers=officer["headers"])
    assert att.status_code == 200 and att.data == PDF and att.headers["Content-Type"] == "application/pdf"
    log = client.get("/api/v1/me/access-log", headers=fam["father"]["headers"]).json
    assert any(e["action"] == "read:application" and e["actor_opd"] == "DISDUKCAPIL" for e in log)


# ---- notifications --------------------------------------------------------------------------------------


def test_each_step_notifies_once_even_if_the_job_runs_twice(
    app, client, born_family, apply, act, run_jobs, sms_to, db
):
    fam = born_family()
    phone = fam["father"]["account"].phone
    run_jobs()
    before = len(sms_to(phone))
    created = apply(fam["father"]["headers"], reprint("kk")).json
    run_jobs()
    texts = sms_to(phone)
    assert len(texts) == before + 1
    assert created["tracking_number"] in texts[0] and "diterima" in texts[0] and "Tanpa biaya" in texts[0]
    assert fam["father"]["resident"].nik not in texts[0]
    act(created["id"], "review")
    act(created["id"], "notes", {"note": "Mohon tunggu, sedang dicetak", "visible_to_citizen": True})
    done = act(created["id"], "approve").json
    run_jobs()
    assert len(sms_to(phone)) == before + 4
    # Run every step's job again: nothing more goes out.
    from services.adminduk.applications import jobs as application_jobs

    with app.app_context():
        for event in done["events"]:
            application_jobs.notify_step(created["id"], event["id"])
    run_jobs()
    assert len(sms_to(phone)) == before + 4
    inbox = client.get("/api/v1/me/notifications", headers=fam["father"]["headers"]).json
    kinds = [n["kind"] for n in inbox if n["kind"].startswith("adminduk.application_")]
    assert sorted(kinds) == sorted(
        [
            "adminduk.application_submitted",
            "adminduk.application_review_started",
            "adminduk.application_note",
            "adminduk.application_approved",
        ]
    )


def test_idempotency_key_files_once(client, born_family, count):
    fam = born_family()
    headers = {**fam["father"]["headers"], "Idempotency-Key": "apl-0001-retry"}
    first = client.post(API, json=reprint("kk"), headers=headers)
    again = client.post(API, json=reprint("kk"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert count(Application) == 1
    other = client.post(API, json=address_change(), headers=headers)
    assert other.status_code == 422


def test_approval_checks_the_registry_again(born_family, apply, act, db):
    fam = born_family()
    mother = fam["mother"]["resident"]
    section = {"change": "occupation", "resident_nik": mother.nik, "occupation": "PEDAGANG"}
    app_id = apply(fam["father"]["headers"], {"kind": "kk_change", "kk_change": section}).json["id"]

    def _dies(s: Any) -> None:
        s.execute(update(Resident).where(Resident.id == mother.id).values(is_deceased=True))
        s.commit()

    db(_dies)
    r = act(app_id, "approve", expect=409)
    assert r.json["reason"] == "registry_changed" and r.json["cause"] == "resident_not_found"
    assert db(lambda s: s.get(Application, app_id)).state == "submitted"
    assert db(lambda s: s.get(Resident, mother.id)).occupation is None
    act(app_id, "reject", {"reason": "Yang bersangkutan telah meninggal dunia"})

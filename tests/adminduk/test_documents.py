"""My documents, naming a child, and corrections with a supporting document: new versions, nothing lost."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from gateway.documents.models import Document
from gateway.identity.models import Resident
from services.adminduk.corrections.models import Correction
from tests.adminduk.conftest import birth_body, now_wib

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _register(family, report_birth, **body):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik, **body))
    assert r.status_code == 201, r.json
    return fam, r.json


def _by_kind(docs, kind, status="valid"):
    return [d for d in docs if d["kind"] == kind and d["status"] == status]


def test_my_documents_lists_mine_and_my_childrens_with_links(client, family, report_birth, citizen):
    fam, birth = _register(family, report_birth)
    for parent in ("mother", "father"):
        docs = client.get("/api/v1/me/documents", headers=fam[parent]["headers"])
        assert docs.status_code == 200
        kinds = sorted(d["kind"] for d in docs.json)
        assert kinds == ["akta_kelahiran", "kia", "kk"]
        for d in docs.json:
            assert d["pdf_url"].endswith(f"/documents/{d['id']}/pdf") and "/api/v1/verify/" in d["verify_url"]
            assert d["status"] == "valid" and isinstance(d["rendered"], bool)
        akta = _by_kind(docs.json, "akta_kelahiran")[0]
        assert akta["subject_name"] == "BAYI NY. SITI SIREGAR" and akta["number"] == birth["akta_number"]
    stranger = citizen()
    assert client.get("/api/v1/me/documents", headers=stranger["headers"]).json == []


def test_counter_staff_list_a_present_citizens_documents_audited(client, family, report_birth, staff):
    fam, _ = _register(family, report_birth)
    counter = staff("counter", None)
    headers = {
        **counter["headers"],
        "X-On-Behalf-Of": fam["mother"]["resident"].nik,
        "X-On-Behalf-Reason": "Cetak akta di loket MPP",
    }
    docs = client.get("/api/v1/me/documents", headers=headers)
    assert docs.status_code == 200 and len(docs.json) == 3
    log = client.get("/api/v1/me/access-log", headers=fam["mother"]["headers"]).json
    assert any(e["action"] == "read:documents" and e["reason"] == "Cetak akta di loket MPP" for e in log)
    assert client.get("/api/v1/me/documents", headers=counter["headers"]).status_code == 403


def test_parent_names_the_child_and_new_versions_replace_the_old(
    client, family, report_birth, db, run_jobs, sms_to
):
    fam, birth = _register(family, report_birth)
    url = f"/api/v1/adminduk/births/{birth['id']}/name"
    r = client.post(url, json={"name": "Ruth  Simanjuntak"}, headers=fam["father"]["headers"])
    assert r.status_code == 200, r.json
    assert r.json["child_name"] == "RUTH SIMANJUNTAK"
    assert sorted(d["kind"] for d in r.json["documents"]) == ["akta_kelahiran", "kia", "kk"]
    assert all(d["version"] == 2 for d in r.json["documents"])
    child = db(lambda s: s.get(Resident, s.get(Document, r.json["documents"][0]["id"]).subject_resident_id))
    assert child.full_name == "RUTH SIMANJUNTAK"

    docs = client.get("/api/v1/me/documents", headers=fam["mother"]["headers"]).json
    assert len(docs) == 6
    old_akta = _by_kind(docs, "akta_kelahiran", "replaced")
    new_akta = _by_kind(docs, "akta_kelahiran")
    assert len(old_akta) == 1 and len(new_akta) == 1 and new_akta[0]["number"] == old_akta[0]["number"]
    assert dict(db(lambda s: s.get(Document, new_akta[0]["id"])).fields)["Nama"] == "RUTH SIMANJUNTAK"
    # each version is listed with the name its own PDF prints, v1 with the stand-in it was issued under
    assert (old_akta[0]["subject_name"], new_akta[0]["subject_name"]) == (
        "BAYI NY. SITI SIREGAR",
        "RUTH SIMANJUNTAK",
    )
    assert _by_kind(docs, "kia", "replaced")[0]["subject_name"] == "BAYI NY. SITI SIREGAR"
    path = "/api/v1/verify/" + old_akta[0]["verify_url"].split("/api/v1/verify/", 1)[1]
    verify = client.get(path)  # the public QR page: old version replaced, masked data only
    assert verify.status_code == 200 and verify.json["status"] == "replaced"
    assert verify.json["public"] == {
        "nama": "B. N. S. S.",
        "nik": child.nik[:4] + "********" + child.nik[-4:],
    }
    current = client.get("/api/v1/verify/" + new_akta[0]["verify_url"].split("/api/v1/verify/", 1)[1]).json
    assert current["status"] == "valid" and current["public"]["nama"] == "R. S."

    twice = client.post(url, json={"name": "Nama Lain"}, headers=fam["mother"]["headers"])
    assert twice.status_code == 409 and twice.json["reason"] == "child_already_named"
    run_jobs()
    assert any("versi baru" in t for t in sms_to(fam["mother"]["account"].phone))


def test_only_a_parent_may_name_the_child(client, family, report_birth, citizen, hospital):
    fam, birth = _register(family, report_birth)
    url = f"/api/v1/adminduk/births/{birth['id']}/name"
    assert client.post(url, json={"name": "Ruth"}, headers=citizen()["headers"]).status_code == 404
    assert client.post(url, json={"name": "R2D2"}, headers=fam["mother"]["headers"]).status_code == 422
    r = client.post(url, json={"name": "Ruth"}, headers={**hospital["headers"], "Idempotency-Key": "n1"})
    assert r.status_code == 403


def _correction(client, headers, doc_id, **over):
    body = {
        "document_id": doc_id,
        "corrected_name": "MARIA ROSALINA",
        "note": "Salah ketik di rumah sakit",
        "attachment": {"content_type": "image/png", "data": _b64(PNG), "filename": "surat-rs.png"},
    }
    body.update(over)
    return client.post("/api/v1/adminduk/corrections", json=body, headers=headers)


def test_correction_approved_issues_new_versions_and_keeps_the_old(
    client, family, report_birth, officer, db, run_jobs, sms_to
):
    fam, birth = _register(family, report_birth, child_name="Maria Rosa")
    akta = next(d for d in birth["documents"] if d["kind"] == "akta_kelahiran")
    new_date = (now_wib() - timedelta(days=1)).date()
    r = _correction(client, fam["mother"]["headers"], akta["id"], corrected_birth_date=new_date.isoformat())
    assert r.status_code == 201, r.json
    assert r.json["state"] == "submitted" and r.json["current_name"] == "MARIA ROSA"
    assert r.json["attachment_content_type"] == "image/png" and r.json["attachment_size"] == len(PNG)

    listed = client.get("/api/v1/adminduk/corrections", headers=officer["headers"])
    assert [c["id"] for c in listed.json] == [r.json["id"]]
    file = client.get(f"/api/v1/adminduk/corrections/{r.json['id']}/attachment", headers=officer["headers"])
    assert file.status_code == 200 and file.data == PNG and file.content_type == "image/png"

    ok = client.post(
        f"/api/v1/adminduk/corrections/{r.json['id']}/approve",
        json={"reason": "Sesuai surat keterangan lahir"},
        headers=officer["headers"],
    )
    assert ok.status_code == 200 and ok.json["state"] == "approved"
    assert [t["to_state"] for t in ok.json["transitions"]] == ["submitted", "approved"]
    docs = client.get("/api/v1/me/documents", headers=fam["mother"]["headers"]).json
    new_akta = _by_kind(docs, "akta_kelahiran")[0]
    assert new_akta["version"] == 2 and new_akta["number"] == birth["akta_number"]
    fields = dict(db(lambda s: s.get(Document, new_akta["id"])).fields)
    assert fields["Nama"] == "MARIA ROSALINA"
    assert fields["Tanggal Lahir"].startswith(f"{new_date.day} ")
    assert len(_by_kind(docs, "akta_kelahiran", "replaced")) == 1
    assert len(_by_kind(docs, "kia", "replaced")) == 1 and len(_by_kind(docs, "kk", "replaced")) == 1
    detail = client.get(f"/api/v1/adminduk/births/{birth['id']}", headers=fam["mother"]["headers"]).json
    assert detail["child_name"] == "MARIA ROSALINA" and detail["birth_date"] == new_date.isoformat()
    again = client.post(
        f"/api/v1/adminduk/corrections/{r.json['id']}/reject",
        json={"reason": "x" * 5},
        headers=officer["headers"],
    )
    assert again.status_code == 409
    run_jobs()
    assert any("disetujui" in t for t in sms_to(fam["mother"]["account"].phone))


def test_correction_rejected_changes_nothing(client, family, report_birth, officer, db):
    fam, birth = _register(family, report_birth, child_name="Maria Rosa")
    akta = next(d for d in birth["documents"] if d["kind"] == "akta_kelahiran")
    r = _correction(
        client,
        fam["father"]["headers"],
        akta["id"],
        attachment={"content_type": "application/pdf", "data": _b64(PDF)},
    )
    assert r.status_code == 201
    pending = _correction(client, fam["mother"]["headers"], akta["id"])
    assert pending.status_code == 409 and pending.json["reason"] == "correction_pending"
    rej = client.post(
        f"/api/v1/adminduk/corrections/{r.json['id']}/reject",
        json={"reason": "Dokumen tidak terbaca"},
        headers=officer["headers"],
    )
    assert rej.status_code == 200 and rej.json["state"] == "rejected"
    docs = client.get("/api/v1/me/documents", headers=fam["mother"]["headers"]).json
    assert all(d["version"] == 1 and d["status"] == "valid" for d in docs)


def test_bad_corrections_are_refused(client, family, report_birth, citizen, staff, count):
    fam, birth = _register(family, report_birth, child_name="Maria Rosa")
    docs = {d["kind"]: d["id"] for d in birth["documents"]}
    h = fam["mother"]["headers"]
    cases = [
        ({"attachment": {"content_type": "image/png", "data": _b64(PDF)}}, 422, "attachment_type_mismatch"),
        ({"attachment": {"content_type": "image/gif", "data": _b64(PNG)}}, 422, "validation_failed"),
        (
            {"attachment": {"content_type": "image/png", "data": "@@not base64@@"}},
            422,
            "attachment_not_base64",
        ),
        (
            {
                "attachment": {
                    "content_type": "application/pdf",
                    "data": _b64(b"%PDF-" + b"0" * (2 * 1024 * 1024)),
                }
            },
            422,
            "attachment_too_large",
        ),
        ({"corrected_name": None}, 422, "validation_failed"),
        ({"corrected_name": "MARIA ROSA"}, 422, "nothing_to_correct"),
        (
            {"corrected_name": None, "corrected_birth_date": (date.today() + timedelta(days=9)).isoformat()},
            422,
            "birth_in_future",
        ),
        ({"document_id": docs["kk"]}, 422, "correction_not_supported"),
        ({"document_id": "00000000-0000-0000-0000-000000000000"}, 404, "document_not_found"),
    ]
    for over, status, reason in cases:
        r = _correction(client, h, docs["akta_kelahiran"], **over)
        assert (r.status_code, r.json["reason"]) == (status, reason), over
    r = _correction(client, citizen()["headers"], docs["akta_kelahiran"])
    assert r.status_code == 404
    assert count(Correction) == 0
    putr = staff("officer", "DINAS_PUTR")
    assert client.get("/api/v1/adminduk/corrections", headers=putr["headers"]).status_code == 403


def test_a_kk_is_listed_under_the_head_of_family_not_the_child_or_the_deceased(
    client, family, report_birth, hospital
):
    fam, birth = _register(family, report_birth, child_name="Maria Rosa")
    names = {d["kind"]: d["subject_name"] for d in birth["documents"]}
    assert names == {"akta_kelahiran": "MARIA ROSA", "kia": "MARIA ROSA", "kk": "BUDI SIMANJUNTAK"}
    detail = client.get(f"/api/v1/adminduk/births/{birth['id']}", headers=fam["mother"]["headers"]).json
    assert {d["kind"]: d["subject_name"] for d in detail["documents"]} == names
    mine = client.get("/api/v1/me/documents", headers=fam["mother"]["headers"]).json
    assert {d["kind"]: d["subject_name"] for d in mine} == names

    father = fam["father"]["resident"]  # the head dies: the new KK is headed by his widow
    died = client.post(
        "/api/v1/adminduk/deaths",
        json={
            "nik": father.nik,
            "full_name": father.full_name,
            "birth_date": father.birth_date.isoformat(),
            "died_at": (now_wib() - timedelta(hours=1)).isoformat(),
            "place": "RSUD dr. Djasamen Saragih",
        },
        headers={**hospital["headers"], "Idempotency-Key": "kk-head-death"},
    )
    assert died.status_code == 201, died.json
    assert {d["kind"]: d["subject_name"] for d in died.json["documents"]} == {
        "akta_kematian": "BUDI SIMANJUNTAK",
        "kk": "SITI SIREGAR",
    }
    mine = client.get("/api/v1/me/documents?status=valid", headers=fam["mother"]["headers"]).json
    kk = _by_kind(mine, "kk")
    assert len(kk) == 1 and kk[0]["subject_name"] == "SITI SIREGAR" and kk[0]["version"] == 2
    old_kk = _by_kind(
        client.get("/api/v1/me/documents", headers=fam["mother"]["headers"]).json, "kk", "replaced"
    )
    assert old_kk[0]["subject_name"] == "BUDI SIMANJUNTAK"  # the head printed on that version
    verify = client.get("/api/v1/verify/" + kk[0]["verify_url"].split("/api/v1/verify/", 1)[1])
    assert verify.status_code == 200 and verify.json["public"]["kepala_keluarga"] == "S. S."


def test_an_akta_writes_the_date_of_birth_out_in_words_as_the_real_one_does(family, report_birth, db):
    from services.adminduk import wording

    assert wording.tanggal_terbilang(date(1995, 3, 12)) == (
        "dua belas Maret tahun seribu sembilan ratus sembilan puluh lima"
    )
    assert (
        wording.tanggal_terbilang(date(2026, 11, 24))
        == "dua puluh empat November tahun dua ribu dua puluh enam"
    )
    assert wording.terbilang(111) == "seratus sebelas" and wording.terbilang(2100) == "dua ribu seratus"
    _, birth = _register(family, report_birth)
    [akta] = [d for d in birth["documents"] if d["kind"] == "akta_kelahiran"]
    fields = dict(db(lambda s: s.get(Document, akta["id"])).fields)
    born = date.fromisoformat(birth["birth_date"])
    statement = fields["Keterangan"]
    assert (
        f"pada tanggal {wording.terbilang(born.day)} {wording.MONTHS[born.month - 1]} tahun dua ribu"
        in statement
    )
    assert str(born.year) not in statement  # in words there; the fields below give it in figures
    assert fields["Tanggal Lahir"].endswith(str(born.year))

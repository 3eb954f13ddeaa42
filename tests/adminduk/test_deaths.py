"""Deaths: hospital reports registered at once, family reports reviewed; KK, akta kematian, account closed."""

from __future__ import annotations

import secrets
from datetime import timedelta

from gateway.documents.models import Document
from gateway.identity.models import CitizenAccount, Resident
from services.adminduk.deaths.models import Death
from tests.adminduk.conftest import birth_body, now_wib
from tests.conftest import PASSWORD as PASSWORD_FOR_TESTS


def _death(client, headers, person, *, key=None, **over):
    """Report `person`'s death (a Resident: the report states their NIK, full name and birth date)."""
    body = {
        "nik": person.nik,
        "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat(),
        "died_at": (now_wib() - timedelta(hours=3)).isoformat(),
        "place": "RSUD dr. Djasamen Saragih",
        "cause": "Gagal jantung",
        "hospital_reference": f"RM-{secrets.token_hex(3)}",
    }
    body.update(over)
    return client.post(
        "/api/v1/adminduk/deaths",
        json=body,
        headers={**headers, "Idempotency-Key": key or secrets.token_hex(8)},
    )


def test_hospital_death_is_registered_kk_reissued_account_closed_family_told(
    client, family, hospital, db, run_jobs, sms_to
):
    fam = family()
    father = fam["father"]
    login = client.post(
        "/api/v1/auth/login", json={"username": father["account"].phone, "password": PASSWORD_FOR_TESTS}
    )
    assert login.status_code == 200
    r = _death(client, hospital["headers"], father["resident"])
    assert r.status_code == 201, r.json
    assert r.json["state"] == "registered" and r.json["akta_number"].startswith("1272-KM-")
    kinds = [d["kind"] for d in r.json["documents"]]
    assert kinds == ["akta_kematian", "kk"]
    akta = db(lambda s: s.get(Document, r.json["documents"][0]["id"]))
    fields = dict(akta.fields)
    assert akta.title == "KUTIPAN AKTA KEMATIAN" and fields["Nama"] == "BUDI SIMANJUNTAK"
    assert "telah meninggal dunia BUDI SIMANJUNTAK" in fields["Keterangan"]
    kk = db(lambda s: s.get(Document, r.json["documents"][1]["id"]))
    assert [row[2] for row in kk.table["rows"]] == ["SITI SIREGAR"]

    dead = db(lambda s: s.get(Resident, father["resident"].id))
    assert dead.is_deceased and dead.deceased_at == (now_wib() - timedelta(hours=3)).date()
    account = db(lambda s: s.get(CitizenAccount, father["account"].id))
    assert account.status == "closed"
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": login.json["refresh_token"]})
    assert refresh.status_code == 401
    again = client.post(
        "/api/v1/auth/login", json={"username": father["account"].phone, "password": PASSWORD_FOR_TESTS}
    )
    assert again.status_code == 401

    run_jobs()
    assert any(r.json["tracking_number"] in t for t in sms_to(fam["mother"]["account"].phone))
    assert sms_to(father["account"].phone) == []  # the closed account gets nothing
    seen = client.get(f"/api/v1/adminduk/deaths/{r.json['id']}", headers=fam["mother"]["headers"])
    assert seen.status_code == 200 and seen.json["state"] == "issued"
    docs = client.get("/api/v1/me/documents", headers=fam["mother"]["headers"]).json
    assert {d["kind"] for d in docs} >= {"akta_kematian", "kk"}


def test_a_deceased_woman_can_be_no_mother_and_cannot_sign_up(client, family, hospital, report_birth):
    fam = family()
    mother = fam["mother"]["resident"]
    assert _death(client, hospital["headers"], mother).status_code == 201
    r = report_birth(birth_body(mother.nik))
    assert r.status_code == 422 and r.json["reason"] == "mother_deceased"
    signup = client.post(
        "/api/v1/auth/signup",
        json={
            "nik": mother.nik,
            "full_name": mother.full_name,
            "birth_date": mother.birth_date.isoformat(),
            "phone": "081377770001",
        },
    )
    assert signup.status_code == 403


def test_hospital_death_retry_and_duplicates(client, family, hospital, count):
    fam = family()
    father = fam["father"]["resident"]
    died_at = (now_wib() - timedelta(hours=1)).isoformat()
    first = _death(
        client, hospital["headers"], father, key="death-1", hospital_reference="RM-1", died_at=died_at
    )
    replay = _death(
        client, hospital["headers"], father, key="death-1", hospital_reference="RM-1", died_at=died_at
    )
    assert first.status_code == replay.status_code == 201 and replay.json["id"] == first.json["id"]
    dup = _death(client, hospital["headers"], father, hospital_reference="RM-2")
    assert (
        dup.status_code == 409
        and dup.json["reason"] == "already_deceased"
        and dup.json["existing_id"] == first.json["id"]
    )
    assert count(Death) == 1


def test_bad_death_reports(client, family, hospital, machine_client, count):
    fam = family()
    father = fam["father"]["resident"]
    cases = [
        ({"nik": "1272010807920999"}, 422, "resident_not_found"),
        ({"died_at": (now_wib() + timedelta(days=1)).isoformat()}, 422, "death_in_future"),
        ({"died_at": "1980-01-01T10:00:00+07:00"}, 422, "death_before_birth"),
        ({"facility_code": "1272044"}, 403, "facility_mismatch"),
        ({"nik": "9999010807920001"}, 422, "validation_failed"),
    ]
    for over, status, reason in cases:
        r = _death(client, hospital["headers"], father, **over)
        assert (r.status_code, r.json["reason"]) == (status, reason), over
    births_only = machine_client(scopes=("births:write",), facility="1272011")
    r = _death(client, births_only["headers"], father)
    assert r.status_code == 403 and r.json["reason"] == "scope_required"
    assert count(Death) == 0


def test_death_report_must_name_the_registered_person_or_nothing_happens(
    client, family, hospital, citizen, count, db
):
    """A mistyped NIK cannot mark the wrong resident dead: name and birth date must match the registry."""
    fam = family()
    father = fam["father"]["resident"]
    cases = [
        ({"full_name": "BUDI SIREGAR"}, ["full_name"]),
        ({"birth_date": "1992-07-09"}, ["birth_date"]),
        ({"full_name": "Andi Lubis", "birth_date": "1990-01-01"}, ["full_name", "birth_date"]),
        # a mismatch hides every other registry fact about the NIK's holder (here: born after 1980)
        ({"full_name": "Andi Lubis", "died_at": "1980-01-01T10:00:00+07:00"}, ["full_name"]),
    ]
    for headers in (hospital["headers"], fam["mother"]["headers"]):
        for over, fields in cases:
            r = _death(client, headers, father, **over)
            assert r.status_code == 422 and r.json["reason"] == "deceased_mismatch", (over, r.json)
            assert sorted(r.json["errors"]["json"]) == sorted(fields)
            assert "BUDI SIMANJUNTAK" not in str(r.json)  # never says whose NIK it is
    for headers in (hospital["headers"], fam["mother"]["headers"]):
        for missing in ("full_name", "birth_date"):
            body = {"nik": father.nik, "died_at": now_wib().isoformat(), "place": "Rumah"}
            body.update({k: v for k, v in (("full_name", father.full_name), ("birth_date", "1992-07-08"))})
            del body[missing]
            r = client.post(
                "/api/v1/adminduk/deaths",
                json=body,
                headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
            )
            assert r.status_code == 422 and missing in r.json["errors"]["json"], r.json
    assert count(Death) == 0
    assert not db(lambda s: s.get(Resident, father.id)).is_deceased
    # case and spacing do not matter
    ok = _death(client, hospital["headers"], father, full_name="  budi   Simanjuntak ")
    assert ok.status_code == 201, ok.json


def test_family_report_goes_to_review_and_officer_approves(
    client, family, officer, staff, db, run_jobs, sms_to
):
    fam = family()
    r = _death(client, fam["mother"]["headers"], fam["father"]["resident"], place="Rumah, Jl. Sutomo No. 1")
    assert r.status_code == 201, r.json
    assert r.json["state"] == "needs_review" and r.json["review_reasons"] == ["family_report"]
    assert r.json["akta_number"] is None
    assert not db(lambda s: s.get(Resident, fam["father"]["resident"].id)).is_deceased
    queue = client.get("/api/v1/adminduk/reviews?kind=death", headers=officer["headers"]).json
    assert [i["id"] for i in queue] == [r.json["id"]]
    putr = staff("officer", "DINAS_PUTR")
    assert (
        client.post(
            f"/api/v1/adminduk/deaths/{r.json['id']}/approve", json={"reason": "oke"}, headers=putr["headers"]
        ).status_code
        == 403
    )
    ok = client.post(
        f"/api/v1/adminduk/deaths/{r.json['id']}/approve",
        json={"reason": "Surat kematian kelurahan diperiksa"},
        headers=officer["headers"],
    )
    assert ok.status_code == 200 and ok.json["state"] == "registered" and ok.json["akta_number"]
    assert [t["to_state"] for t in ok.json["transitions"]] == ["notified", "needs_review", "registered"]
    assert db(lambda s: s.get(Resident, fam["father"]["resident"].id)).is_deceased
    run_jobs()
    assert len(sms_to(fam["mother"]["account"].phone)) == 1


def test_family_report_rejected_and_only_same_kk_may_report(client, family, officer, citizen, db):
    fam = family()
    stranger = citizen()
    r = _death(client, stranger["headers"], fam["father"]["resident"])
    assert r.status_code == 422 and r.json["reason"] == "not_same_family"
    r = _death(client, fam["mother"]["headers"], fam["mother"]["resident"])
    assert r.status_code == 422 and r.json["reason"] == "reporter_is_deceased"
    r = _death(client, fam["mother"]["headers"], fam["father"]["resident"])
    url = f"/api/v1/adminduk/deaths/{r.json['id']}"
    assert client.get(url, headers=stranger["headers"]).status_code == 404
    assert client.get(url, headers=fam["father"]["headers"]).status_code == 200  # same KK
    rej = client.post(
        f"{url}/reject", json={"reason": "Yang bersangkutan masih hidup"}, headers=officer["headers"]
    )
    assert rej.status_code == 200 and rej.json["state"] == "rejected"
    assert not db(lambda s: s.get(Resident, fam["father"]["resident"].id)).is_deceased
    again = _death(client, fam["mother"]["headers"], fam["father"]["resident"])
    assert again.status_code == 201  # a rejected report does not block a new one


def test_death_visible_to_facility_and_officer_only(client, family, hospital, machine_client, officer):
    fam = family()
    r = _death(client, hospital["headers"], fam["father"]["resident"])
    url = f"/api/v1/adminduk/deaths/{r.json['id']}"
    assert client.get(url, headers=hospital["headers"]).status_code == 200
    other = machine_client(scopes=("deaths:write",), facility="1272022")
    assert client.get(url, headers=other["headers"]).status_code == 404
    assert client.get(url, headers=officer["headers"]).status_code == 200

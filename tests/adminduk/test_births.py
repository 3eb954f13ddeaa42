"""Hospitals report births (JSON): registration, NIK, akta number, documents, duplicates, bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.db import UnitOfWork
from gateway.documents.models import Document
from gateway.identity.models import Resident
from services.adminduk.births.models import Birth
from services.adminduk.models import Transition
from tests.adminduk.conftest import birth_body, now_wib


def _today() -> date:
    return now_wib().date()


def test_clean_report_is_registered_with_nik_akta_and_three_documents(
    client, family, report_birth, run_jobs, sms_to, db
):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik))
    assert r.status_code == 201, r.json
    body = r.json
    born = _today() if (now_wib() - timedelta(hours=2)).date() == _today() else _today() - timedelta(days=1)
    assert body["state"] == "registered"
    assert body["child_nik"].startswith(f"127201{born.day + 40:02d}{born:%m%y}")  # a girl: day + 40
    assert len(body["child_nik"]) == 16
    assert body["akta_number"] == f"1272-LT-{_today():%d%m%Y}-0001"
    assert body["parents_married"] is True
    assert sorted(d["kind"] for d in body["documents"]) == ["akta_kelahiran", "kia", "kk"]
    kia = next(d for d in body["documents"] if d["kind"] == "kia")
    assert kia["number"] == body["child_nik"]
    assert all(d["verify_url"] and d["pdf_url"] for d in body["documents"])
    assert [t["to_state"] for t in body["transitions"]] == ["notified", "registered"]

    # the child is in the registry on the parents' KK
    child = db(lambda s: s.scalar(select(Resident).where(Resident.nik == body["child_nik"])))
    assert child.kk_number == fam["kk"] and child.family_relationship == "ANAK"
    assert child.mother_nik == fam["mother"]["resident"].nik
    assert child.father_nik == fam["father"]["resident"].nik
    me = client.get("/api/v1/me", headers=fam["mother"]["headers"]).json
    assert any(
        m["full_name"] == "" or m.get("nik", "").endswith(body["child_nik"][-4:]) for m in me["family"]
    )

    run_jobs()
    detail = client.get(f"/api/v1/adminduk/births/{body['id']}", headers=fam["mother"]["headers"]).json
    assert detail["state"] == "issued"
    assert all(d["rendered"] for d in detail["documents"])  # parents are told once the PDFs are ready
    pdf = client.get(detail["documents"][0]["pdf_url"], headers=fam["mother"]["headers"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert [t["to_state"] for t in detail["transitions"]] == ["notified", "registered", "issued"]
    for parent in ("mother", "father"):
        texts = sms_to(fam[parent]["account"].phone)
        assert len(texts) == 1 and body["tracking_number"] in texts[0]
        inbox = client.get("/api/v1/me/notifications", headers=fam[parent]["headers"]).json
        assert [n["kind"] for n in inbox] == ["adminduk.birth_registered"]

    # a second run of the job sends nothing more
    from services.adminduk.births import jobs

    with client.application.app_context():
        jobs.birth_registered(body["id"])
    assert len(sms_to(fam["mother"]["account"].phone)) == 1


def test_akta_kelahiran_wording_and_masked_public_data(family, report_birth, db):
    fam = family()
    r = report_birth(
        birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik, child_name="Maria Rosa")
    )
    assert r.status_code == 201, r.json
    akta_id = next(d["id"] for d in r.json["documents"] if d["kind"] == "akta_kelahiran")
    akta = db(lambda s: s.get(Document, akta_id))
    fields = dict(akta.fields)
    assert akta.title == "KUTIPAN AKTA KELAHIRAN"
    assert fields["Nama"] == "MARIA ROSA"
    assert fields["Jenis Kelamin"] == "PEREMPUAN"
    assert fields["Nomor Induk Kependudukan"] == r.json["child_nik"]
    assert fields["Nama Ibu"] == "SITI SIREGAR" and fields["Nama Ayah"] == "BUDI SIMANJUNTAK"
    assert "dari suami-istri BUDI SIMANJUNTAK dan SITI SIREGAR" in fields["Keterangan"]
    assert fields["Anak ke-"] == "1 (satu)"
    months = (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    )
    assert any(m in fields["Tanggal Lahir"] for m in months)
    assert akta.public == {
        "nama": "M. R.",
        "nik": r.json["child_nik"][:4] + "********" + r.json["child_nik"][-4:],
    }
    kk_id = next(d["id"] for d in r.json["documents"] if d["kind"] == "kk")
    kk = db(lambda s: s.get(Document, kk_id))
    assert kk.title == "KARTU KELUARGA"
    assert kk.public == {"nomor_kk": fam["kk"][:4] + "********" + fam["kk"][-4:], "kepala_keluarga": "B. S."}
    assert kk.table["columns"][1:4] == ["NIK", "Nama Lengkap", "Jenis Kelamin"]
    assert [row[2] for row in kk.table["rows"]] == ["BUDI SIMANJUNTAK", "SITI SIREGAR", "MARIA ROSA"]
    assert [row[6] for row in kk.table["rows"]] == ["KEPALA KELUARGA", "ISTRI", "ANAK"]


def test_unmarried_parents_akta_names_the_mother_only(family, report_birth, make_resident, db):
    fam = family(
        marital_status="BELUM KAWIN", family_relationship="KEPALA KELUARGA", kk_number="1272010101990001"
    )
    r = report_birth(birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik))
    assert r.status_code == 201, r.json
    assert r.json["parents_married"] is False
    akta_id = next(d["id"] for d in r.json["documents"] if d["kind"] == "akta_kelahiran")
    fields = dict(db(lambda s: s.get(Document, akta_id)).fields)
    assert "Nama Ayah" not in fields
    assert "dari ibu SITI SIREGAR" in fields["Keterangan"]
    child = db(lambda s: s.scalar(select(Resident).where(Resident.nik == r.json["child_nik"])))
    assert child.father_nik is None and child.kk_number == "1272010101990001"


def test_father_on_another_kk_means_not_married_and_he_is_not_a_parent_in_law(
    client, family, report_birth, citizen, run_jobs, sms_to
):
    fam = family()
    other = citizen(full_name="PRIA LAIN", sex="L", kk_number="1272019999990001")
    r = report_birth(birth_body(fam["mother"]["resident"].nik, other["resident"].nik))
    assert r.status_code == 201 and r.json["parents_married"] is False
    url = f"/api/v1/adminduk/births/{r.json['id']}"
    assert client.get(url, headers=other["headers"]).status_code == 404
    assert client.get(url, headers=fam["mother"]["headers"]).status_code == 200
    named = client.post(f"{url}/name", json={"name": "Yosua"}, headers=other["headers"])
    assert named.status_code == 404
    run_jobs()
    assert sms_to(other["account"].phone) == [] and len(sms_to(fam["mother"]["account"].phone)) == 1


def test_serials_follow_per_prefix_and_akta_serial_per_day(family, report_birth):
    niks, aktas = [], []
    for _ in range(3):
        fam = family()
        r = report_birth(
            birth_body(
                fam["mother"]["resident"].nik,
                sex="L",
                born_at=(now_wib() - timedelta(days=1)).replace(hour=0, minute=5).isoformat(),
            )
        )
        assert r.status_code == 201, r.json
        niks.append(r.json["child_nik"])
        aktas.append(r.json["akta_number"])
    assert len({n[:12] for n in niks}) == 1
    serials = [int(n[12:]) for n in niks]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]
    assert [a[-4:] for a in aktas] == ["0001", "0002", "0003"]


def test_nik_serial_skips_numbers_already_in_the_registry(family, report_birth, make_resident):
    fam = family()
    born = (now_wib() - timedelta(days=1)).replace(hour=0, minute=5)
    prefix = f"127201{born.day:02d}{born:%m%y}"
    make_resident(nik=f"{prefix}0007", sex="L", birth_date=born.date(), kk_number="1272010000000077")
    r = report_birth(birth_body(fam["mother"]["resident"].nik, sex="L", born_at=born.isoformat()))
    assert r.json["child_nik"] == f"{prefix}0008"


def test_retried_post_with_same_idempotency_key_creates_one_birth(family, report_birth, count):
    fam = family()
    body = birth_body(fam["mother"]["resident"].nik)
    first = report_birth(body, key="rsud-2026-0001")
    again = report_birth(body, key="rsud-2026-0001")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json["id"] == first.json["id"] and again.json["child_nik"] == first.json["child_nik"]
    assert count(Birth) == 1
    changed = report_birth({**body, "weight_grams": 3300}, key="rsud-2026-0001")
    assert changed.status_code == 422 and changed.json["reason"] == "idempotency_key_reused"


def test_machine_client_must_send_idempotency_key(client, hospital, family):
    fam = family()
    r = client.post(
        "/api/v1/adminduk/births", json=birth_body(fam["mother"]["resident"].nik), headers=hospital["headers"]
    )
    assert r.status_code == 400 and r.json["reason"] == "idempotency_key_required"


def test_same_mother_date_and_order_from_another_request_is_409_pointing_at_it(family, report_birth, count):
    fam = family()
    body = birth_body(fam["mother"]["resident"].nik)
    first = report_birth(body)
    second = report_birth({**body, "hospital_reference": "RM-OTHER"})
    assert second.status_code == 409
    assert second.json["reason"] == "duplicate_birth" and second.json["existing_id"] == first.json["id"]
    assert count(Birth) == 1


def test_twins_are_not_duplicates_and_the_kk_lists_both(family, report_birth, db):
    fam = family()
    born_at = (now_wib() - timedelta(hours=1)).isoformat()
    one = report_birth(
        birth_body(
            fam["mother"]["resident"].nik,
            fam["father"]["resident"].nik,
            born_at=born_at,
            multiple_birth_order=1,
            sex="L",
        )
    )
    two = report_birth(
        birth_body(
            fam["mother"]["resident"].nik,
            fam["father"]["resident"].nik,
            born_at=born_at,
            multiple_birth_order=2,
            sex="L",
        )
    )
    assert one.status_code == two.status_code == 201, two.json
    assert one.json["state"] == two.json["state"] == "registered"
    assert one.json["child_nik"] != two.json["child_nik"]
    kk_one = next(d for d in one.json["documents"] if d["kind"] == "kk")
    kk_two = next(d for d in two.json["documents"] if d["kind"] == "kk")
    assert kk_two["version"] == kk_one["version"] + 1
    latest = db(lambda s: s.get(Document, kk_two["id"]))
    assert len(latest.table["rows"]) == 4
    assert db(lambda s: s.get(Document, kk_one["id"])).status == "replaced"
    akta_two = dict(
        db(
            lambda s: s.get(
                Document, next(d["id"] for d in two.json["documents"] if d["kind"] == "akta_kelahiran")
            )
        ).fields
    )
    assert akta_two["Anak ke-"] == "2 (dua)"


@pytest.mark.parametrize(
    "case,status,reason",
    [
        ("unknown_mother", 422, "mother_not_found"),
        ("deceased_mother", 422, "mother_deceased"),
        ("male_mother", 422, "mother_not_female"),
        ("mother_too_young", 422, "implausible_mother_age"),
        ("mother_too_old", 422, "implausible_mother_age"),
        ("future_birth", 422, "birth_in_future"),
        ("facility_mismatch", 403, "facility_mismatch"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(
    case, status, reason, family, make_resident, report_birth, count
):
    fam = family()
    mother_nik = fam["mother"]["resident"].nik
    extra = {}
    if case == "unknown_mother":
        mother_nik = "1272015203950999"
    elif case == "deceased_mother":
        mother_nik = make_resident(sex="P", is_deceased=True, birth_date=date(1994, 1, 1)).nik
    elif case == "male_mother":
        mother_nik = fam["father"]["resident"].nik
    elif case == "mother_too_young":
        mother_nik = make_resident(sex="P", birth_date=_today() - timedelta(days=9 * 365)).nik
    elif case == "mother_too_old":
        mother_nik = make_resident(sex="P", birth_date=date(_today().year - 62, 1, 1)).nik
    elif case == "future_birth":
        extra["born_at"] = (now_wib() + timedelta(days=1)).isoformat()
    elif case == "facility_mismatch":
        extra["facility_code"] = "1272022"
    residents = count(Resident)
    r = report_birth(birth_body(mother_nik, **extra))
    assert r.status_code == status, r.json
    assert r.json["reason"] == reason
    assert count(Birth) == 0 and count(Transition) == 0 and count(Document) == 0
    assert count(Resident) == residents


def test_every_problem_is_listed_at_once(family, report_birth):
    fam = family()
    r = report_birth(
        birth_body(fam["father"]["resident"].nik, born_at=(now_wib() + timedelta(days=2)).isoformat())
    )
    assert r.status_code == 422
    reasons = {p["reason"] for p in r.json["problems"]}
    assert reasons == {"birth_in_future", "mother_not_female"}
    assert set(r.json["errors"]["json"]) == {"born_at", "mother_nik"}


@pytest.mark.parametrize(
    "nik,message",
    [
        ("9999015203950001", "unknown region"),
        ("1272017303950001", "impossible birth date"),
        ("12720152", "16 digits"),
    ],
)
def test_nik_with_bad_region_or_date_is_422(nik, message, report_birth, count):
    r = report_birth(birth_body(nik))
    assert r.status_code == 422
    assert message in r.json["errors"]["json"]["mother_nik"][0]
    assert count(Birth) == 0


def test_bad_fields_are_422(family, report_birth):
    fam = family()
    for bad in (
        {"sex": "X"},
        {"weight_grams": 50},
        {"multiple_birth_order": 0},
        {"child_name": "B4by!"},
        {"born_at": "2026-01-01T08:00:00"},
        {"unexpected": 1},
    ):
        r = report_birth(birth_body(fam["mother"]["resident"].nik, **bad))
        assert r.status_code == 422, bad


def test_missing_scope_or_facility_or_wrong_role_is_403(client, machine_client, family, count):
    fam = family()
    body = birth_body(fam["mother"]["resident"].nik)
    deaths_only = machine_client(scopes=("deaths:write",), facility="1272011")
    r = client.post(
        "/api/v1/adminduk/births", json=body, headers={**deaths_only["headers"], "Idempotency-Key": "k1"}
    )
    assert r.status_code == 403 and r.json["reason"] == "scope_required"
    no_facility = machine_client(scopes=("births:write",), facility=None)
    r = client.post(
        "/api/v1/adminduk/births", json=body, headers={**no_facility["headers"], "Idempotency-Key": "k2"}
    )
    assert r.status_code == 403 and r.json["reason"] == "client_without_facility"
    r = client.post(
        "/api/v1/adminduk/births", json=body, headers={**fam["mother"]["headers"], "Idempotency-Key": "k3"}
    )
    assert r.status_code == 403
    r = client.post("/api/v1/adminduk/births", json=body)
    assert r.status_code == 401
    assert count(Birth) == 0


def test_a_birth_is_seen_only_by_its_facility_parents_and_disdukcapil(
    client, family, report_birth, machine_client, citizen, staff, officer, db
):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik))
    url = f"/api/v1/adminduk/births/{r.json['id']}"
    assert client.get(url, headers=fam["mother"]["headers"]).status_code == 200
    assert client.get(url, headers=fam["father"]["headers"]).status_code == 200
    other_hospital = machine_client(scopes=("births:write",), facility="1272022")
    assert client.get(url, headers=other_hospital["headers"]).status_code == 404
    assert client.get(url, headers=citizen()["headers"]).status_code == 404
    assert client.get(url, headers=staff("officer", "DINAS_PUTR")["headers"]).status_code == 404
    seen = client.get(url, headers=officer["headers"])
    assert seen.status_code == 200 and seen.json["child_nik"] == r.json["child_nik"]
    log = client.get("/api/v1/me/access-log", headers=fam["mother"]["headers"]).json
    assert any(entry["action"] == "read:birth" for entry in log)
    assert (
        client.get(
            "/api/v1/adminduk/births/00000000-0000-0000-0000-000000000000", headers=officer["headers"]
        ).status_code
        == 404
    )


def _born(days_ago: int) -> str:
    return (datetime.now(tz=now_wib().tzinfo) - timedelta(days=days_ago)).replace(microsecond=0).isoformat()


def test_a_hospital_lists_only_its_own_reports_and_finds_one_by_reference(
    client, family, report_birth, hospital, machine_client, officer, staff
):
    fam, fam2 = family(), family()
    mine = report_birth(birth_body(fam["mother"]["resident"].nik, hospital_reference="RM-77"))
    other_hospital = machine_client(scopes=("births:write",), facility="1272022")
    theirs = report_birth(birth_body(fam2["mother"]["resident"].nik), headers=other_hospital["headers"])
    assert theirs.status_code == 201
    listed = client.get("/api/v1/adminduk/births", headers=hospital["headers"])
    assert [b["id"] for b in listed.json] == [mine.json["id"]]
    by_ref = client.get("/api/v1/adminduk/births?hospital_reference=RM-77", headers=hospital["headers"])
    assert [b["child_nik"] for b in by_ref.json] == [mine.json["child_nik"]]
    found = client.get("/api/v1/adminduk/births?hospital_reference=RM-77", headers=other_hospital["headers"])
    assert found.json == []
    everything = client.get("/api/v1/adminduk/births", headers=officer["headers"])
    assert {b["id"] for b in everything.json} == {mine.json["id"], theirs.json["id"]}
    assert (
        client.get("/api/v1/adminduk/births", headers=staff("officer", "DLH")["headers"]).status_code == 403
    )


def test_akta_number_follows_the_configured_template(app, family, report_birth):
    fam = family()
    saved = app.config["AKTA_NUMBER_TEMPLATE"]
    app.config["AKTA_NUMBER_TEMPLATE"] = "AL.{kabkota}/{yyyy}/{mm}/{serial:05d}"
    try:
        r = report_birth(birth_body(fam["mother"]["resident"].nik))
    finally:
        app.config["AKTA_NUMBER_TEMPLATE"] = saved
    assert r.status_code == 201
    assert r.json["akta_number"] == f"AL.1272/{_today():%Y}/{_today():%m}/00001"


@pytest.mark.parametrize(
    "placeholder",
    ["By. Ny. Siti Rahma Siregar", "Bayi Ny. Siti Siregar", "Bayi dari Siti Siregar", "By Ny Siti", "BAYI"],
)
def test_hospital_stand_in_name_is_no_name_and_the_parents_name_the_child(
    client, family, report_birth, placeholder, db
):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, child_name=placeholder))
    assert r.status_code == 201, r.json
    assert r.json["child_name"] is None and r.json["state"] == "registered"
    child = db(lambda s: s.scalar(select(Resident).where(Resident.nik == r.json["child_nik"])))
    assert child.full_name == ""
    akta = next(d for d in r.json["documents"] if d["kind"] == "akta_kelahiran")
    assert dict(db(lambda s: s.get(Document, akta["id"])).fields)["Nama"] == "BAYI NY. SITI SIREGAR"

    url = f"/api/v1/adminduk/births/{r.json['id']}/name"
    stand_in = client.post(url, json={"name": "Bayi Ny. Siti"}, headers=fam["mother"]["headers"])
    assert stand_in.status_code == 422 and stand_in.json["reason"] == "placeholder_name"
    named = client.post(url, json={"name": "Rahma Simanjuntak"}, headers=fam["mother"]["headers"])
    assert named.status_code == 200, named.json
    assert named.json["child_name"] == "RAHMA SIMANJUNTAK"


def test_real_names_that_look_alike_are_kept(family, report_birth):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, child_name="Bayu Nyoman Siregar"))
    assert r.status_code == 201 and r.json["child_name"] == "BAYU NYOMAN SIREGAR"


def test_mother_name_and_birth_date_must_match_the_registry(client, family, report_birth, count):
    fam = family()
    mother = fam["mother"]["resident"]
    cases = [
        ({"mother_name": "Siti Lubis"}, ["mother_name"]),
        ({"mother_birth_date": "1995-03-13"}, ["mother_birth_date"]),
        ({"mother_name": "Ani", "mother_birth_date": "1990-01-01"}, ["mother_birth_date", "mother_name"]),
    ]
    for over, fields in cases:
        r = report_birth(birth_body(mother.nik, **over))
        assert r.status_code == 422 and r.json["reason"] == "mother_mismatch", r.json
        assert sorted(r.json["errors"]["json"]) == fields
        assert "SITI SIREGAR" not in str(r.json)
    # a mismatch hides every other registry fact about the NIK's holder (here: a man)
    r = report_birth(birth_body(fam["father"]["resident"].nik, mother_name="Siti Siregar"))
    assert r.status_code == 422 and r.json["reason"] == "mother_mismatch"
    assert [p["reason"] for p in r.json["problems"]] == ["mother_mismatch"]
    assert count(Birth) == 0 and count(Transition) == 0
    ok = report_birth(birth_body(mother.nik, mother_name=" siti  SIREGAR ", mother_birth_date="1995-03-12"))
    assert ok.status_code == 201, ok.json


def test_a_stand_in_name_recorded_before_this_rule_can_still_be_replaced_by_the_parents(
    client, family, report_birth, app
):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, child_name="Rahma"))
    assert r.status_code == 201
    with app.app_context(), UnitOfWork() as uow:  # a record from before: the stand-in as the name
        child = uow.session.scalar(select(Resident).where(Resident.nik == r.json["child_nik"]))
        child.full_name = "BY. NY. SITI SIREGAR"
        uow.session.get(Birth, r.json["id"]).child_name = child.full_name
        uow.commit()
    url = f"/api/v1/adminduk/births/{r.json['id']}/name"
    named = client.post(url, json={"name": "Rahma Simanjuntak"}, headers=fam["mother"]["headers"])
    assert named.status_code == 200 and named.json["child_name"] == "RAHMA SIMANJUNTAK"
    again = client.post(url, json={"name": "Lain"}, headers=fam["mother"]["headers"])
    assert again.status_code == 409 and again.json["reason"] == "child_already_named"

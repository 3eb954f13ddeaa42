"""Hospitals and officers leave a trail: every report and read of a resident's data is in their access log."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from gateway.audit import AccessLog
from gateway.identity.models import Resident
from tests.adminduk.conftest import birth_body, now_wib


def _log(client, person, resource):
    """(action, actor_role) of each access-log row about one record, as the citizen sees them."""
    rows = client.get("/api/v1/me/access-log", headers=person["headers"]).json
    return Counter((r["action"], r["actor_role"]) for r in rows if r["resource"] == resource)


def _rows(db, resident_id, resource):
    return db(
        lambda s: [
            (r.action, r.actor_kind, r.actor_id)
            for r in s.scalars(
                select(AccessLog).where(AccessLog.resident_id == resident_id, AccessLog.resource == resource)
            )
        ]
    )


def test_birth_report_and_reads_are_in_both_parents_access_logs(
    client, family, report_birth, hospital, officer, staff, db
):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik))
    assert r.status_code == 201, r.json
    resource = f"birth:{r.json['id']}"
    for parent in ("mother", "father"):
        assert _log(client, fam[parent], resource) == {("report:birth", "client"): 1}
        assert _rows(db, fam[parent]["resident"].id, resource) == [
            ("report:birth", "client", hospital["client_id"])
        ]

    url = f"/api/v1/adminduk/births/{r.json['id']}"
    assert client.get(url, headers=hospital["headers"]).status_code == 200
    assert client.get(url, headers=officer["headers"]).status_code == 200
    counter = staff("counter", None)
    on_behalf = {
        **counter["headers"],
        "X-On-Behalf-Of": fam["mother"]["resident"].nik,
        "X-On-Behalf-Reason": "Cetak akta di loket MPP",
    }
    assert client.get(url, headers=on_behalf).status_code == 200
    expected = {
        ("report:birth", "client"): 1,
        ("read:birth", "client"): 1,
        ("read:birth", "officer"): 1,
        ("read:birth", "counter"): 1,
    }
    for parent in ("mother", "father"):  # one row per request per resident
        assert _log(client, fam[parent], resource) == expected
    child_id = db(lambda s: s.scalar(select(Resident.id).where(Resident.nik == r.json["child_nik"])))
    assert sorted((a, k) for a, k, _ in _rows(db, child_id, resource)) == [
        ("read:birth", "client"),
        ("read:birth", "staff"),
        ("read:birth", "staff"),
    ]

    # the parents reading their own child's record leave no trail
    assert client.get(url, headers=fam["mother"]["headers"]).status_code == 200
    assert _log(client, fam["father"], resource) == expected

    listed = client.get("/api/v1/adminduk/births", headers=hospital["headers"])
    assert listed.status_code == 200 and [b["id"] for b in listed.json] == [r.json["id"]]
    assert _log(client, fam["mother"], resource)[("list:births", "client")] == 1


def test_rejected_report_writes_no_audit_row(client, family, report_birth, count):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, mother_name="Orang Lain"))
    assert r.status_code == 422
    assert count(AccessLog) == 0


def test_hospital_death_report_is_in_the_deceased_and_the_new_heads_access_log(client, family, hospital, db):
    fam = family()
    father = fam["father"]["resident"]  # the head of the family dies; his wife heads the KK now
    r = client.post(
        "/api/v1/adminduk/deaths",
        json={
            "nik": father.nik,
            "full_name": father.full_name,
            "birth_date": father.birth_date.isoformat(),
            "died_at": (now_wib() - timedelta(hours=1)).isoformat(),
            "place": "RSUD dr. Djasamen Saragih",
            "hospital_reference": "RM-A1",
        },
        headers={**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 201, r.json
    resource = f"death:{r.json['id']}"
    assert _rows(db, father.id, resource) == [("report:death", "client", hospital["client_id"])]
    assert _log(client, fam["mother"], resource) == {("report:death", "client"): 1}
    assert (
        client.get(f"/api/v1/adminduk/deaths/{r.json['id']}", headers=hospital["headers"]).status_code == 200
    )
    assert sorted(a for a, _, _ in _rows(db, father.id, resource)) == ["read:death", "report:death"]


def test_death_of_a_member_is_in_the_heads_access_log(client, family, report_birth, hospital, db):
    fam = family()
    mother = fam["mother"]["resident"]
    r = client.post(
        "/api/v1/adminduk/deaths",
        json={
            "nik": mother.nik,
            "full_name": mother.full_name,
            "birth_date": mother.birth_date.isoformat(),
            "died_at": (now_wib() - timedelta(hours=1)).isoformat(),
            "place": "RSUD dr. Djasamen Saragih",
        },
        headers={**hospital["headers"], "Idempotency-Key": secrets.token_hex(8)},
    )
    assert r.status_code == 201, r.json
    resource = f"death:{r.json['id']}"
    assert _log(client, fam["father"], resource) == {("report:death", "client"): 1}
    assert _rows(db, mother.id, resource) == [("report:death", "client", hospital["client_id"])]

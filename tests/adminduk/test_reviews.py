"""The state machine: reports held for review, the officers' queue, approve and reject."""

from __future__ import annotations

import json
from datetime import timedelta

from gateway.identity.models import Resident
from services.adminduk.births.models import Birth
from tests.adminduk.conftest import birth_body, now_wib


def _days_ago(days: int) -> str:
    return (now_wib() - timedelta(days=days)).isoformat()


def test_late_report_needs_review_then_officer_approves(
    client, family, report_birth, officer, run_jobs, sms_to, count
):
    fam = family()
    residents = count(Resident)
    r = report_birth(
        birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik, born_at=_days_ago(61))
    )
    assert r.status_code == 201, r.json
    assert r.json["state"] == "needs_review" and r.json["review_reasons"] == ["late_report"]
    assert r.json["child_nik"] is None and r.json["akta_number"] is None and r.json["documents"] == []
    assert count(Resident) == residents

    queue = client.get("/api/v1/adminduk/reviews?state=needs_review", headers=officer["headers"])
    assert queue.status_code == 200 and [i["id"] for i in queue.json] == [r.json["id"]]
    assert queue.json[0]["kind"] == "birth" and queue.json[0]["review_reasons"] == ["late_report"]
    assert fam["mother"]["resident"].nik not in json.dumps(queue.json)  # masked in the list

    ok = client.post(
        f"/api/v1/adminduk/births/{r.json['id']}/approve",
        json={"reason": "Surat keterangan lahir asli diperiksa"},
        headers=officer["headers"],
    )
    assert ok.status_code == 200, ok.json
    assert ok.json["state"] == "registered" and ok.json["child_nik"] and ok.json["akta_number"]
    assert [t["to_state"] for t in ok.json["transitions"]] == ["notified", "needs_review", "registered"]
    assert ok.json["transitions"][-1]["actor"] == "officer:DISDUKCAPIL"
    assert "Surat keterangan" in ok.json["transitions"][-1]["reason"]
    assert count(Resident) == residents + 1
    again = client.post(
        f"/api/v1/adminduk/births/{r.json['id']}/approve", json={"reason": "lagi"}, headers=officer["headers"]
    )
    assert again.status_code == 409 and again.json["reason"] == "not_under_review"
    run_jobs()
    assert len(sms_to(fam["mother"]["account"].phone)) == 1
    assert client.get("/api/v1/adminduk/reviews", headers=officer["headers"]).json == []


def test_unknown_or_female_father_needs_review(family, report_birth, make_resident):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, "1272010807920999"))
    assert r.json["state"] == "needs_review" and r.json["review_reasons"] == ["father_not_found"]
    fam2 = family()
    woman = make_resident(sex="P", birth_date=fam2["mother"]["resident"].birth_date)
    r = report_birth(birth_body(fam2["mother"]["resident"].nik, woman.nik))
    assert r.json["state"] == "needs_review" and r.json["review_reasons"] == ["father_not_male"]


def test_possible_duplicate_needs_review(family, report_birth):
    fam = family()
    first = report_birth(birth_body(fam["mother"]["resident"].nik, born_at=_days_ago(30)))
    assert first.json["state"] == "registered"
    second = report_birth(birth_body(fam["mother"]["resident"].nik, born_at=_days_ago(1)))
    assert second.status_code == 201
    assert second.json["state"] == "needs_review" and second.json["review_reasons"] == ["possible_duplicate"]


def test_rejection_with_reason_frees_the_birth_for_a_corrected_report(
    client, family, report_birth, officer, count
):
    fam = family()
    r = report_birth(birth_body(fam["mother"]["resident"].nik, "1272010807920999"))
    no_reason = client.post(
        f"/api/v1/adminduk/births/{r.json['id']}/reject", json={}, headers=officer["headers"]
    )
    assert no_reason.status_code == 422
    rej = client.post(
        f"/api/v1/adminduk/births/{r.json['id']}/reject",
        json={"reason": "NIK ayah salah ketik"},
        headers=officer["headers"],
    )
    assert (
        rej.status_code == 200
        and rej.json["state"] == "rejected"
        and rej.json["decision_reason"] == "NIK ayah salah ketik"
    )
    assert [t["to_state"] for t in rej.json["transitions"]] == ["notified", "needs_review", "rejected"]
    fixed = report_birth(birth_body(fam["mother"]["resident"].nik, fam["father"]["resident"].nik))
    assert fixed.status_code == 201 and fixed.json["state"] == "registered"
    assert count(Birth) == 2


def test_review_queue_is_for_disdukcapil_officers_and_paginated(
    client, family, report_birth, officer, staff, citizen
):
    for _ in range(3):
        fam = family()
        report_birth(birth_body(fam["mother"]["resident"].nik, born_at=_days_ago(70)))
    page = client.get("/api/v1/adminduk/reviews?page=1&page_size=2", headers=officer["headers"])
    assert page.status_code == 200 and len(page.json) == 2
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    page2 = client.get("/api/v1/adminduk/reviews?page=2&page_size=2", headers=officer["headers"])
    assert len(page2.json) == 1 and page2.json[0]["id"] not in {i["id"] for i in page.json}
    assert client.get("/api/v1/adminduk/reviews?kind=death", headers=officer["headers"]).json == []
    putr = staff("officer", "DINAS_PUTR")
    assert client.get("/api/v1/adminduk/reviews", headers=putr["headers"]).status_code == 403
    assert client.get("/api/v1/adminduk/reviews", headers=citizen()["headers"]).status_code == 403
    some = page.json[0]["id"]
    r = client.post(
        f"/api/v1/adminduk/births/{some}/approve", json={"reason": "oke"}, headers=putr["headers"]
    )
    assert r.status_code == 403 and r.json["reason"] == "opd_not_allowed"


def test_father_dead_long_before_or_mother_moved_out_needs_review(family, report_birth, make_resident, db):
    from datetime import date

    fam = family()
    ghost = make_resident(sex="L", is_deceased=True, deceased_at=date(2020, 1, 1), kk_number=fam["kk"])
    r = report_birth(birth_body(fam["mother"]["resident"].nik, ghost.nik))
    assert r.json["state"] == "needs_review" and r.json["review_reasons"] == ["father_deceased"]
    moved = family(moved_out_at=date(2025, 1, 1))
    r = report_birth(birth_body(moved["mother"]["resident"].nik))
    assert r.json["state"] == "needs_review" and r.json["review_reasons"] == ["mother_moved_out"]

"""Who sees what: privacy levels, OPD scoping, audit of reporter reads, queue filters, nearby, "me too"."""

from __future__ import annotations

import json


def _access_log(client, who):
    return client.get("/api/v1/me/access-log", headers=who["headers"]).json


def test_public_complaint_shows_only_a_short_reporter_name_to_the_public(client, citizen, file_complaint):
    me = citizen(full_name="MARIA SINAGA")
    number = file_complaint(me["headers"]).json["number"]
    view = client.get(f"/api/v1/complaints/{number}").json
    assert view["access"] == "public" and view["reporter"] is None
    assert view["reporter_display"] == "Maria S."
    mine = client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json
    assert mine["access"] == "reporter" and mine["reporter"]["name"] == "MARIA SINAGA"


def test_anonymous_hides_the_reporter_from_public_and_from_the_agency(
    client, citizen, desk, staff, file_complaint, act
):
    me = citizen(full_name="MARIA SINAGA")
    number = file_complaint(me["headers"], privacy="anonymous").json["number"]
    act(number, desk["headers"], action="verify")
    putr = staff("officer", "DINAS_PUTR")
    for headers in ({}, desk["headers"], putr["headers"]):
        view = client.get(f"/api/v1/complaints/{number}", headers=headers).json
        assert view["reporter"] is None and view["reporter_display"] is None
        assert "SINAGA" not in json.dumps(view)
    assert _access_log(client, me) == []
    # ... but the reporter still follows it in the app
    assert (
        client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json["reporter"]["name"]
        == "MARIA SINAGA"
    )


def test_confidential_is_404_to_the_public_and_other_opds(client, citizen, desk, staff, file_complaint, act):
    me = citizen()
    number = file_complaint(me["headers"], privacy="confidential", photos=[]).json["number"]
    act(number, desk["headers"], action="verify")
    other_citizen = citizen()
    dlh = staff("officer", "DLH")
    for headers in ({}, other_citizen["headers"], dlh["headers"]):
        assert client.get(f"/api/v1/complaints/{number}", headers=headers).status_code == 404
    putr = staff("officer", "DINAS_PUTR")
    assert client.get(f"/api/v1/complaints/{number}", headers=putr["headers"]).json["access"] == "staff"
    assert client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json["access"] == "reporter"


def test_confidential_photos_follow_the_complaint(client, citizen, desk, file_complaint, act):
    from tests.complaints.conftest import b64, jpeg

    me = citizen()
    number = file_complaint(me["headers"], privacy="confidential", photos=[b64(jpeg())]).json["number"]
    url = client.get(f"/api/v1/complaints/{number}", headers=me["headers"]).json["photos"][0]["url"]
    assert client.get(url).status_code == 404
    assert client.get(url, headers=me["headers"]).status_code == 200
    assert client.get(url, headers=desk["headers"]).status_code == 200
    assert client.get(f"/api/v1/complaints/{number}/photos/nope", headers=me["headers"]).status_code == 404


def test_officer_read_of_reporter_data_is_audited(client, citizen, desk, staff, file_complaint, act):
    me = citizen(full_name="TIGOR SIMANJUNTAK")
    number = file_complaint(me["headers"]).json["number"]
    act(number, desk["headers"], action="verify")
    putr = staff("officer", "DINAS_PUTR")
    view = client.get(f"/api/v1/complaints/{number}", headers=putr["headers"]).json
    assert view["reporter"]["name"] == "TIGOR SIMANJUNTAK" and view["reporter"]["phone"]
    assert view["reporter"]["nik"] == me["resident"].nik[:4] + "********" + me["resident"].nik[-4:]
    log = _access_log(client, me)
    reads = [row for row in log if row["action"] == "read:complaint_reporter"]
    assert reads and any(
        row.get("actor_opd") == "DINAS_PUTR" or "DINAS_PUTR" in json.dumps(row) for row in reads
    )
    # The public view is not a read of personal data
    before = len(_access_log(client, me))
    client.get(f"/api/v1/complaints/{number}")
    assert len(_access_log(client, me)) == before


def test_officers_only_see_their_opd_queue_with_filters_and_pages(
    client, citizen, desk, staff, file_complaint, act
):
    me = citizen()
    putr, dlh = staff("officer", "DINAS_PUTR"), staff("officer", "DLH")
    roads = [file_complaint(me["headers"]).json["number"] for _ in range(3)]
    rubbish = file_complaint(
        me["headers"],
        category_code="sampah",
        attributes={},
        kelurahan_code="12.72.01.1001",
        address="Pasar",
        lat=...,
        lon=...,
    ).json["number"]
    for n in [*roads, rubbish]:
        act(n, desk["headers"], action="verify")
    act(roads[0], putr["headers"], action="start")
    q = client.get("/api/v1/complaints/queue", headers=putr["headers"])
    assert sorted(c["number"] for c in q.json) == sorted(roads)
    assert json.loads(q.headers["X-Pagination"])["total"] == 3
    assert [c["number"] for c in client.get("/api/v1/complaints/queue", headers=dlh["headers"]).json] == [
        rubbish
    ]
    q = client.get("/api/v1/complaints/queue?state=in_progress", headers=putr["headers"]).json
    assert [c["number"] for c in q] == [roads[0]]
    q = client.get("/api/v1/complaints/queue?page=2&page_size=2", headers=putr["headers"])
    assert len(q.json) == 1 and json.loads(q.headers["X-Pagination"])["page"] == 2
    q = client.get("/api/v1/complaints/queue?kelurahan_code=12.72.01.1001", headers=dlh["headers"]).json
    assert [c["number"] for c in q] == [rubbish]
    assert client.get("/api/v1/complaints/queue?overdue=true", headers=putr["headers"]).json == []
    assert client.get("/api/v1/complaints/queue?category=sampah", headers=putr["headers"]).json == []
    for bad in ("state=lost", "page_size=1000", "page=0", "colour=red", "kelurahan_code=1272"):
        assert client.get(f"/api/v1/complaints/queue?{bad}", headers=putr["headers"]).status_code == 422, bad
    # a complaint of another OPD is 404 for changes
    assert act(rubbish, putr["headers"], expect=404, action="start").json["reason"] == "complaint_not_found"
    # answered complaints leave the default (open) queue but stay listable
    act(roads[1], putr["headers"], action="resolve", outcome="fixed", note="Selesai")
    assert len(client.get("/api/v1/complaints/queue", headers=putr["headers"]).json) == 2
    assert len(client.get("/api/v1/complaints/queue?state=all", headers=putr["headers"]).json) == 3
    resolved = client.get("/api/v1/complaints/queue?state=resolved", headers=putr["headers"]).json
    assert [c["number"] for c in resolved] == [roads[1]]


def test_queue_is_for_officers(client, citizen, staff):
    assert client.get("/api/v1/complaints/queue", headers=citizen()["headers"]).status_code == 403
    assert (
        client.get("/api/v1/complaints/queue", headers=staff("counter", None)["headers"]).status_code == 403
    )
    assert client.get("/api/v1/complaints/queue").status_code == 401


def test_nearby_finds_open_same_category_within_250m(client, citizen, file_complaint, desk, act):
    me = citizen()
    here = file_complaint(me["headers"], lat=2.9600, lon=99.0600).json["number"]
    file_complaint(me["headers"], lat=2.9640, lon=99.0600)  # ~333 m north of the query point
    file_complaint(me["headers"], category_code="sampah", attributes={}, lat=2.9601, lon=99.0601)
    closed = file_complaint(me["headers"], lat=2.9601, lon=99.0600).json["number"]
    act(closed, desk["headers"], action="reject", rejection_reason="spam")
    r = client.get("/api/v1/complaints/nearby?category=jalan_rusak&lat=2.9610&lon=99.0600")
    assert r.status_code == 200
    assert [c["number"] for c in r.json] == [here]
    assert 100 < r.json[0]["distance_m"] < 120
    assert client.get("/api/v1/complaints/nearby?category=jalan_rusak&lat=3.59&lon=98.67").status_code == 422
    assert client.get("/api/v1/complaints/nearby?category=nope&lat=2.96&lon=99.06").status_code == 422
    assert client.get("/api/v1/complaints/nearby?lat=2.96&lon=99.06").status_code == 422


def test_nearby_ignores_complaints_older_than_30_days(app, client, citizen):
    from datetime import timedelta

    from gateway.auth import Principal
    from gateway.db import UnitOfWork, utcnow
    from services.complaints import service

    me = citizen()
    p = Principal(kind="citizen", id=me["account"].id, role="citizen", resident_id=me["resident"].id)
    with app.app_context():
        for days in (31, 29):
            service.create_complaint(
                UnitOfWork(),
                principal=p,
                category_code="sampah",
                description=f"{days} hari",
                lat=2.96,
                lon=99.06,
                now=utcnow() - timedelta(days=days),
            )
    r = client.get("/api/v1/complaints/nearby?category=sampah&lat=2.96&lon=99.06").json
    assert [c["description"] for c in r] == ["29 hari"]


def test_me_too_follows_counts_and_notifies(app, client, citizen, desk, file_complaint, act, run_jobs):
    reporter, neighbour = citizen(), citizen()
    number = file_complaint(reporter["headers"]).json["number"]
    r = client.post(f"/api/v1/complaints/{number}/follow", json={}, headers=neighbour["headers"])
    assert r.status_code == 200 and r.json == {"number": number, "supporters": 1, "following": True}
    again = client.post(f"/api/v1/complaints/{number}/follow", json={}, headers=neighbour["headers"])
    assert again.json["supporters"] == 1
    own = client.post(f"/api/v1/complaints/{number}/follow", json={}, headers=reporter["headers"])
    assert own.status_code == 409 and own.json["reason"] == "own_complaint"
    assert client.post(f"/api/v1/complaints/{number}/follow", json={}).status_code == 401
    act(number, desk["headers"], action="verify")
    run_jobs()
    from sqlalchemy import select

    from gateway.db import UnitOfWork
    from gateway.notify import InboxItem

    with app.app_context(), UnitOfWork() as uow:
        titles = list(
            uow.session.scalars(
                select(InboxItem.title).where(InboxItem.resident_id == neighbour["resident"].id)
            )
        )
    assert titles == [f"Pengaduan {number}: diteruskan ke OPD"]
    mine = client.get("/api/v1/complaints/mine", headers=neighbour["headers"]).json
    assert [(c["number"], c["relation"]) for c in mine] == [(number, "follower")]


def test_cannot_follow_closed_or_confidential(client, citizen, desk, file_complaint, act):
    reporter, other = citizen(), citizen()
    rejected = file_complaint(reporter["headers"]).json["number"]
    act(rejected, desk["headers"], action="reject", rejection_reason="spam")
    r = client.post(f"/api/v1/complaints/{rejected}/follow", json={}, headers=other["headers"])
    assert r.status_code == 409 and r.json["reason"] == "complaint_closed"
    secret = file_complaint(reporter["headers"], privacy="confidential").json["number"]
    assert (
        client.post(f"/api/v1/complaints/{secret}/follow", json={}, headers=other["headers"]).status_code
        == 404
    )


def test_mine_is_paginated_and_for_citizens(client, citizen, staff, file_complaint):
    me = citizen()
    for _ in range(3):
        file_complaint(me["headers"])
    r = client.get("/api/v1/complaints/mine?page_size=2", headers=me["headers"])
    assert len(r.json) == 2 and json.loads(r.headers["X-Pagination"])["total"] == 3
    assert (
        client.get("/api/v1/complaints/mine", headers=staff("officer", "DLH")["headers"]).status_code == 403
    )


def test_city_secretary_and_admin_see_every_opd_queue(client, citizen, staff, desk, file_complaint, act):
    me = citizen()
    road = file_complaint(me["headers"]).json["number"]
    rubbish = file_complaint(me["headers"], category_code="sampah", attributes={}).json["number"]
    act(road, desk["headers"], action="verify")
    sekda = staff("officer", "SETDA", "city_secretary")
    admin = staff("admin", None)
    for who in (sekda, admin):
        q = client.get("/api/v1/complaints/queue?state=all", headers=who["headers"])
        assert sorted(c["number"] for c in q.json) == sorted([road, rubbish])
        q = client.get("/api/v1/complaints/queue?state=assigned", headers=who["headers"]).json
        assert [c["number"] for c in q] == [road]
    # the desk: submitted ones plus its own OPD's; a count that adds up across both
    q = client.get("/api/v1/complaints/queue", headers=desk["headers"])
    assert [c["number"] for c in q.json] == [rubbish]
    assert json.loads(q.headers["X-Pagination"])["total"] == 1

"""Plates and photos are personal data: the registered owner, the attendant who recorded the visit and
Dishub see them; Dishub's reads are in the owner's access log; after the retention they are gone."""

from __future__ import annotations

from datetime import timedelta

from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.parking import jobs, service


def test_the_registered_owner_sees_her_plates_visits_and_staff_reads_are_logged(
    client, citizen, attendant, start, dishub, staff
):
    owner = citizen()
    r = client.post(
        "/api/v1/parking/plates",
        json={"plate": "bk1234abc", "vehicle_class": "car"},
        headers=owner["headers"],
    )
    assert r.status_code == 201 and r.json["plate"] == "BK 1234 ABC"
    jukir = attendant()
    session = start(jukir["headers"]).json
    start(jukir["headers"], plate="BK 99 Q")  # someone else's car

    mine = client.get("/api/v1/parking/sessions", headers=owner["headers"]).json
    assert [s["reference"] for s in mine] == [session["reference"]]
    assert (
        client.get(f"/api/v1/parking/sessions/{session['id']}", headers=owner["headers"]).json["plate"]
        == "BK 1234 ABC"
    )
    assert client.get("/api/v1/me/access-log", headers=owner["headers"]).json == []

    read = client.get(f"/api/v1/parking/sessions/{session['id']}", headers=dishub["headers"])
    assert read.status_code == 200 and read.json["plate"] == "BK 1234 ABC"
    log = client.get("/api/v1/me/access-log", headers=owner["headers"]).json
    assert len(log) == 1 and log[0]["action"] == "read:parking_session"

    # Other OPDs and other citizens do not see it at all.
    putr = staff("officer", "DINAS_PUTR")
    assert client.get(f"/api/v1/parking/sessions/{session['id']}", headers=putr["headers"]).status_code == 404
    stranger = citizen()
    assert (
        client.get(f"/api/v1/parking/sessions/{session['id']}", headers=stranger["headers"]).status_code
        == 404
    )
    assert client.get("/api/v1/parking/sessions", headers=stranger["headers"]).json == []


def test_a_plate_belongs_to_one_citizen(client, citizen):
    first, second = citizen(), citizen()
    body = {"plate": "BK 7 A", "vehicle_class": "motorcycle"}
    assert client.post("/api/v1/parking/plates", json=body, headers=first["headers"]).status_code == 201
    r = client.post("/api/v1/parking/plates", json=body, headers=second["headers"])
    assert r.status_code == 409 and r.json["reason"] == "plate_registered"
    plate_id = client.get("/api/v1/parking/plates", headers=first["headers"]).json[0]["id"]
    assert client.delete(f"/api/v1/parking/plates/{plate_id}", headers=second["headers"]).status_code == 404
    assert client.delete(f"/api/v1/parking/plates/{plate_id}", headers=first["headers"]).status_code == 204


def test_plates_are_pseudonymised_after_the_retention_and_the_statistics_stay(
    app, client, attendant, start, dishub
):
    jukir = attendant()
    with clock.frozen(clock.now() - timedelta(days=91)):  # default retention: 90 days
        old = start(jukir["headers"]).json
    recent = start(jukir["headers"], plate="BK 2 B").json
    with app.app_context():
        jobs.pseudonymise()
        assert service.pseudonymise(UnitOfWork(), retention_days=90) == 0  # done once
    gone = client.get(f"/api/v1/parking/sessions/{old['id']}", headers=dishub["headers"]).json
    assert gone["plate"] is None and gone["pseudonymised"] is True
    assert gone["amount"] == 3000 and gone["zone_code"] == "SUTOMO-1"  # what the statistics need stays
    kept = client.get(f"/api/v1/parking/sessions/{recent['id']}", headers=dishub["headers"]).json
    assert kept["plate"] == "BK 2 B" and kept["pseudonymised"] is False

""" "Jukir minta tunai": a citizen's report names the attendant on duty and becomes a complaint for
Dishub through parking's event (complaints subscribes by name; neither imports the other)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from gateway import queue as q
from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from gateway.outbox import OutboxJob
from tests.parking.conftest import IN_SUTOMO


def _jpeg() -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 0)).save(out, "JPEG")
    return base64.b64encode(out.getvalue()).decode()


def test_a_cash_demand_becomes_a_confidential_complaint_for_dishub(
    app, client, citizen, attendant, start, staff, run_jobs
):
    jukir = attendant()
    start(jukir["headers"])
    reporter = citizen()
    body = {
        "plate": "BK 1234 ABC",
        "occurred_at": clock.now().isoformat(),
        **IN_SUTOMO,
        "description": "Diminta Rp5.000 tunai, katanya QRIS rusak",
        "photo": _jpeg(),
    }
    r = client.post("/api/v1/parking/cash-reports", json=body, headers=reporter["headers"])
    assert r.status_code == 201, r.json
    report = r.json
    assert report["zone_code"] == "SUTOMO-1" and report["attendant_ids"] == [jukir["staff"].id]
    assert report["session_reference"] and report["has_photo"] is True
    run_jobs()
    # The subscriber's job run again (an RQ retry, a second relay) files nothing twice.
    with app.app_context(), UnitOfWork() as uow:
        row = session_of(uow).scalar(select(OutboxJob).where(OutboxJob.job.like("%file_parking_cash_demand")))
        job, kwargs = q.resolve(row.job), dict(row.kwargs)
    with app.app_context():
        job(**kwargs)

    mine = client.get("/api/v1/complaints/mine", headers=reporter["headers"]).json
    assert len(mine) == 1
    number = mine[0]["number"]
    complaint = client.get(f"/api/v1/complaints/{number}", headers=reporter["headers"]).json
    assert complaint["category"]["code"] == "parkir_liar" and complaint["privacy"] == "confidential"
    assert complaint["opd_code"] == "DISHUB"
    assert "SUTOMO-1" in complaint["description"] and "Uji attendant" in complaint["description"]
    assert report["id"] in complaint["description"]
    # Dishub sees it with the attendant named; the report's photo stays in parking for Dishub.
    dishub = staff("officer", "DISHUB")
    listed = client.get("/api/v1/parking/cash-reports", headers=dishub["headers"]).json
    assert [x["id"] for x in listed] == [report["id"]]
    photo = client.get(f"/api/v1/parking/cash-reports/{report['id']}/photo", headers=dishub["headers"])
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
    other = citizen()
    assert (
        client.get(f"/api/v1/parking/cash-reports/{report['id']}/photo", headers=other["headers"]).status_code
        == 404
    )
    assert client.get("/api/v1/parking/cash-reports", headers=other["headers"]).json == []


def test_a_report_where_nobody_was_on_duty_still_reaches_dishub(client, citizen, zones, run_jobs):
    reporter = citizen()
    body = {"plate": "BK 9 Z", "occurred_at": clock.now().isoformat(), "zone_code": "MERDEKA-1"}
    r = client.post("/api/v1/parking/cash-reports", json=body, headers=reporter["headers"])
    assert r.status_code == 201 and r.json["attendant_ids"] == []
    run_jobs()
    number = client.get("/api/v1/complaints/mine", headers=reporter["headers"]).json[0]["number"]
    text = client.get(f"/api/v1/complaints/{number}", headers=reporter["headers"]).json["description"]
    assert "tidak ada yang ditugaskan" in text  # an unassigned "jukir" is itself the finding


def test_bad_reports_are_refused_and_nothing_is_filed(client, citizen, zones, run_jobs):
    reporter = citizen()
    now = clock.now()
    cases = [
        ({"plate": "NOPE", "occurred_at": now.isoformat(), "zone_code": "SUTOMO-1"}, "invalid_plate"),
        (
            {
                "plate": "BK 1 A",
                "occurred_at": (now + timedelta(hours=2)).isoformat(),
                "zone_code": "SUTOMO-1",
            },
            "clock_skew",
        ),
        (
            {
                "plate": "BK 1 A",
                "occurred_at": (now - timedelta(days=40)).isoformat(),
                "zone_code": "SUTOMO-1",
            },
            "report_too_old",
        ),
        ({"plate": "BK 1 A", "occurred_at": now.isoformat(), "lat": 2.97, "lon": 99.08}, "no_zone_here"),
        ({"plate": "BK 1 A", "occurred_at": now.isoformat()}, "location_required"),
    ]
    for body, reason in cases:
        r = client.post("/api/v1/parking/cash-reports", json=body, headers=reporter["headers"])
        assert r.status_code == 422 and r.json["reason"] == reason, (reason, r.json)
    run_jobs()
    assert client.get("/api/v1/complaints/mine", headers=reporter["headers"]).json == []
    assert client.get("/api/v1/parking/cash-reports", headers=reporter["headers"]).json == []

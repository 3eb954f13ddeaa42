"""Reconciliation per attendant, zone and device: visits, rupiah due and collected, the 54% deposit
target, leakage flags; JSON, CSV, the nightly run and the Prometheus gauges."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.parking import jobs
from services.parking.models import Session
from tests.parking.conftest import visit


def _mark_paid(app, *session_ids: str) -> None:
    """What payments' invoice_paid does to a visit (the payment path has its own tests)."""
    with app.app_context(), UnitOfWork() as uow:
        for sid in session_ids:
            session_of(uow).get(Session, sid).payment_state = "paid"
        uow.commit()


def _day(client, jukir, start_at, plates_, gap_hours=0.0, **extra):
    items = []
    at = start_at
    for i, plate in enumerate(plates_):
        items.append(
            visit(
                plate=plate,
                started_at=at.isoformat(),
                ended_at=(at + timedelta(minutes=20)).isoformat(),
                **extra,
            )
        )
        at += timedelta(minutes=30 if i != 1 else 30 + gap_hours * 60)
    r = client.post("/api/v1/parking/sessions/batch", json={"items": items}, headers=jukir["headers"])
    assert not r.json["rejected"], r.json
    return [a["id"] for a in r.json["accepted"]]


def test_reconciliation_per_zone_attendant_and_device_with_flags(app, client, attendant, dishub):
    jukir = attendant()
    morning = clock.now().replace(microsecond=0) - timedelta(hours=20)
    ids = _day(client, jukir, morning, ["BK 1 A", "BK 2 B", "BK 3 C", "BK 4 D"], gap_hours=3)
    _mark_paid(app, ids[0])
    today = clock.local_today()
    since = clock.local_today(morning)
    r = client.get(
        f"/api/v1/parking/reconciliation?from={since}&to={today}&group=zone", headers=dishub["headers"]
    )
    assert r.status_code == 200, r.json
    row = r.json["rows"][0]
    assert row["key"] == "SUTOMO-1" and row["started"] == 4 and row["paid"] == 1 and row["unpaid"] == 3
    assert row["due"] == 12000 and row["collected"] == 3000 and row["settled"] is None
    assert row["unpaid_share"] == 0.75
    assert "high_unpaid_share" in row["flags"] and "activity_gap" in row["flags"]
    assert row["longest_gap_minutes"] >= 180
    by_attendant = client.get(
        f"/api/v1/parking/reconciliation?from={since}&to={today}&group=attendant", headers=dishub["headers"]
    ).json
    assert by_attendant["rows"][0]["key"] == jukir["staff"].id and by_attendant["totals"]["due"] == 12000
    by_device = client.get(
        f"/api/v1/parking/reconciliation?from={since}&to={today}&group=device", headers=dishub["headers"]
    ).json
    assert by_device["rows"][0]["key"] == "HH-TEST-0001"

    as_csv = client.get(
        f"/api/v1/parking/reconciliation?from={since}&to={today}&group=zone&format=csv",
        headers=dishub["headers"],
    )
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    assert (
        table[0][:3] == ["zone", "started", "paid"] and table[1][0] == "SUTOMO-1" and table[-1][0] == "total"
    )


def test_sessions_recorded_outside_the_zone_are_flagged(client, attendant, dishub):
    jukir = attendant()
    start_at = clock.now() - timedelta(hours=3)
    _day(client, jukir, start_at, ["BK 1 A"], lat=2.9700, lon=99.0800)
    today = clock.local_today()
    row = client.get(
        f"/api/v1/parking/reconciliation?from={clock.local_today(start_at)}&to={today}",
        headers=dishub["headers"],
    ).json["rows"][0]
    assert row["outside_zone"] == 1 and "sessions_outside_zone" in row["flags"]


def test_a_night_between_two_visits_of_a_device_is_not_an_activity_gap(client, attendant, dishub):
    jukir = attendant()
    tz = clock.local_tz()
    yesterday = clock.local_today() - timedelta(days=1)
    evening = datetime.combine(yesterday - timedelta(days=1), time(20, 0), tz)
    morning = datetime.combine(yesterday, time(7, 0), tz)  # 11 h later, the next local day
    items = [
        visit(plate=plate, started_at=at.isoformat(), ended_at=(at + timedelta(minutes=20)).isoformat())
        for plate, at in (
            ("BK 1 A", evening),
            ("BK 2 B", morning),
            ("BK 3 C", morning + timedelta(minutes=50)),
        )
    ]
    r = client.post("/api/v1/parking/sessions/batch", json={"items": items}, headers=jukir["headers"])
    assert not r.json["rejected"], r.json
    row = client.get(
        f"/api/v1/parking/reconciliation?from={yesterday - timedelta(days=1)}&to={yesterday}&group=device",
        headers=dishub["headers"],
    ).json["rows"][0]
    assert row["started"] == 3 and row["longest_gap_minutes"] == 50 and "activity_gap" not in row["flags"]


def test_the_monthly_deposit_target_is_54_percent_of_the_points_potential(app, client, attendant, dishub):
    jukir = attendant()
    start_at = clock.now() - timedelta(hours=5)
    ids = _day(client, jukir, start_at, ["BK 1 A", "BK 2 B", "BK 3 C", "BK 4 D"])
    _mark_paid(app, *ids[:2])
    month = clock.local_today(start_at).strftime("%Y-%m")
    targets = client.get(
        f"/api/v1/parking/reconciliation/targets?month={month}", headers=dishub["headers"]
    ).json
    sutomo = next(t for t in targets if t["zone_code"] == "SUTOMO-1")
    assert sutomo["potential"] == 12000 and sutomo["potential_source"] == "this_month"
    assert sutomo["target"] == 6480 and sutomo["collected"] == 6000 and sutomo["met"] is False


def test_the_nightly_run_is_stored_once_and_sets_the_gauges(app, client, attendant, dishub):
    jukir = attendant()
    yesterday_noon = clock.now() - timedelta(days=1)
    _day(client, jukir, yesterday_noon.replace(hour=5, minute=0), ["BK 1 A", "BK 2 B"])  # 12:00 WIB yesterday
    with app.app_context():
        jobs.reconcile_nightly()
        jobs.reconcile_nightly()  # the next hour's run finds the night done
    runs = client.get("/api/v1/parking/reconciliation/nightly?group=zone", headers=dishub["headers"]).json
    assert len(runs) == 1 and runs[0]["result"]["rows"][0]["started"] == 2
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'parking_due_rupiah{zone="SUTOMO-1"} 6000.0' in metrics


def test_only_dishub_finance_and_admin_read_the_reconciliation(client, staff, attendant):
    today = clock.local_today()
    for who, status in (
        (staff("officer", "DINAS_PUTR"), 403),
        (staff("officer", "BAPENDA"), 200),
        (attendant(), 403),
    ):
        r = client.get(f"/api/v1/parking/reconciliation?from={today}&to={today}", headers=who["headers"])
        assert r.status_code == status

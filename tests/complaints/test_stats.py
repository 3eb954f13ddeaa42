"""Public accountability: per OPD and category over a period, computed by the database."""

from __future__ import annotations

from gateway.db import UnitOfWork
from services.complaints import service
from tests.complaints.conftest import at
from tests.complaints.test_deadlines import _act, _citizen_p, _file


def test_stats_per_opd_and_category(app, client, citizen, staff, desk, sweep):
    me = citizen()
    putr = staff("officer", "DINAS_PUTR")
    mon = at(2026, 11, 2, 9)
    c1, c2, c3, c4 = (_file(app, me, mon) for _ in range(4))
    _act(app, desk, c1, at(2026, 11, 2, 10), action="verify")
    _act(app, putr, c1, at(2026, 11, 3, 10), action="resolve", outcome="fixed", note="Ditambal")
    _act(app, desk, c2, at(2026, 11, 2, 12), action="verify")
    _act(
        app,
        putr,
        c2,
        at(2026, 11, 6, 10),
        action="resolve",
        outcome="not_fixed",
        reason="Anggaran",
        note="Tahun depan",
    )
    _act(app, desk, c3, at(2026, 11, 3, 14), action="verify")
    with app.app_context():
        service.rate(
            UnitOfWork(), principal=_citizen_p(me), number=c1, score=5, fixed=True, now=at(2026, 11, 4)
        )
        service.rate(
            UnitOfWork(), principal=_citizen_p(me), number=c2, score=3, fixed=False, now=at(2026, 11, 7)
        )
    c5, c7 = (_file(app, me, mon, category_code="sampah", attributes={}) for _ in range(2))
    _act(app, desk, c5, at(2026, 11, 2, 9, 30), action="reject", rejection_reason="spam")
    _act(app, desk, c7, at(2026, 11, 2, 10, 30), action="verify")
    _file(app, me, at(2026, 10, 15))  # outside the period
    sweep(at(2026, 11, 10, 17))

    r = client.get("/api/v1/complaints/stats?from=2026-11-01&to=2026-11-30")
    assert r.status_code == 200, r.json
    assert r.json["from"] == "2026-11-01" and r.json["to"] == "2026-11-30"
    rows = {(row["opd_code"], row["category_code"]): row for row in r.json["rows"]}
    assert set(rows) == {("DINAS_PUTR", "jalan_rusak"), ("DLH", "sampah")}
    roads = rows[("DINAS_PUTR", "jalan_rusak")]
    assert roads["received"] == 4
    assert roads["median_first_response_hours"] == 3.0  # of 1 h, 3 h and 29 h
    assert roads["answered_within_deadline_share"] == 0.25
    assert roads["fixed_share"] == 0.5
    assert roads["average_rating"] == 4.0 and roads["ratings"] == 2
    assert roads["overdue_now"] == 2
    rubbish = rows[("DLH", "sampah")]
    assert rubbish["received"] == 2
    assert rubbish["median_first_response_hours"] == 1.0  # even count: mean of 0.5 h and 1.5 h
    assert rubbish["answered_within_deadline_share"] == 0.5
    assert rubbish["fixed_share"] is None and rubbish["average_rating"] is None
    assert rubbish["overdue_now"] == 1
    assert rubbish["category_name"] == "Sampah tidak diangkut"
    october = client.get("/api/v1/complaints/stats?from=2026-10-01&to=2026-10-31").json["rows"]
    assert [(row["opd_code"], row["received"]) for row in october] == [("DINAS_PUTR", 1)]


def test_stats_bad_periods(client):
    for query in (
        "",
        "from=2026-11-01",
        "from=2026-11-30&to=2026-11-01",
        "from=2025-01-01&to=2026-12-31",
        "from=kemarin&to=2026-11-01",
        "from=9999-12-01&to=9999-12-31",
        "from=0001-01-01&to=0001-01-31",
    ):
        r = client.get(f"/api/v1/complaints/stats?{query}")
        assert r.status_code == 422, query


def test_stats_of_an_empty_period(client):
    r = client.get("/api/v1/complaints/stats?from=2020-01-01&to=2020-01-31")
    assert r.status_code == 200 and r.json["rows"] == []

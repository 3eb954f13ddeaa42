"""Reconciliation at city scale: 30 days of ≈ 140 points × 150 visits/day (≈ 630,000 visits) are
reconciled per zone, attendant and device; the target is under 10 s each (issue 11, item 10).

    .venv/bin/python bench/parking_reconcile.py                       # SQLite in a temp dir
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_parking .venv/bin/python bench/parking_reconcile.py
    .venv/bin/python bench/parking_reconcile.py --points 14 --days 3   # a small smoke run

The visits are inserted directly (bulk INSERT) with realistic shapes: one attendant and one handheld per
point, visits every few minutes through a 07:00–21:00 shift, 70 % paid, 5 % subscription, a few recorded
outside the zone. Run it on a quiet machine: it measures, it does not pass or fail.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=140)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--visits", type=int, default=150, help="per point per day")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix='parking-bench-')}/bench.db"

    from gateway.app import create_app
    from gateway.db import Base, UnitOfWork
    from services.parking import service
    from services.parking.models import Session, Zone

    app = create_app({"APP_ENV": "test", "DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "bench-secret"})
    rng = random.Random(1272)
    with app.app_context():
        engine = app.extensions["database"].engine
        Base.metadata.drop_all(engine, tables=[Session.__table__, Zone.__table__])
        Base.metadata.create_all(engine, tables=[Session.__table__, Zone.__table__])
        zones = []
        for i in range(args.points):
            lon, lat = 99.02 + (i % 14) * 0.005, 2.92 + (i // 14) * 0.006
            ring = [
                [lon, lat],
                [lon + 0.001, lat],
                [lon + 0.001, lat + 0.0003],
                [lon, lat + 0.0003],
                [lon, lat],
            ]
            zones.append(
                dict(
                    id=str(uuid.uuid4()),
                    code=f"P-{i:03d}",
                    name=f"Titik {i}",
                    kelurahan_code="12.72.01.1001",
                    road="Jl. Uji",
                    capacity=40,
                    e_parking=True,
                    geometry={"type": "Polygon", "coordinates": [ring]},
                    min_lon=lon,
                    min_lat=lat,
                    max_lon=lon + 0.001,
                    max_lat=lat + 0.0003,
                    active=True,
                    created_at=datetime.now(UTC),
                )
            )
        first = date.today() - timedelta(days=args.days)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(Zone.__table__.insert(), zones)
            for day_index in range(args.days):
                rows = []
                day = first + timedelta(days=day_index)
                for i, zone in enumerate(zones):
                    at = datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)  # 07:00 WIB
                    for v in range(args.visits):
                        at += timedelta(minutes=rng.choice((2, 4, 5, 7, 9)))
                        state = rng.choices(("paid", "subscription", "unpaid"), (70, 5, 25))[0]
                        outside = rng.random() < 0.01
                        rows.append(
                            dict(
                                id=str(uuid.uuid4()),
                                reference=f"B{day_index:03d}{i:03d}{v:04d}",
                                zone_code=zone["code"],
                                attendant_id=f"att-{i:03d}",
                                device_id=f"HH-{i:04d}",
                                plate=None,
                                plate_key=f"k{rng.random()}",
                                vehicle_class="car",
                                tariff_id="t",
                                multiple=1,
                                amount=3000,
                                state="ended",
                                payment_state=state,
                                started_at=at,
                                ended_at=at + timedelta(minutes=30),
                                offline=False,
                                lat=zone["min_lat"] + (0.01 if outside else 0.0001),
                                lon=zone["min_lon"] + 0.0005,
                                received_at=at,
                            )
                        )
                conn.execute(Session.__table__.insert(), rows)
        total = args.points * args.days * args.visits
        print(f"inserted {total:,} visits in {time.perf_counter() - started:.1f}s ({url.split(':')[0]})")
        last = first + timedelta(days=args.days - 1)
        for group in ("zone", "attendant", "device"):
            t0 = time.perf_counter()
            result = service.reconcile(
                UnitOfWork(read_only=True), principal=None, start=first, end=last, group=group
            )
            print(
                f"reconcile {group:9s}: {time.perf_counter() - t0:6.2f}s  rows={len(result['rows'])} "
                f"started={result['totals']['started']:,} collected=Rp{result['totals']['collected']:,}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Permits benchmark: 10,000 applications in flight, the SLA sweep over all of them, and OSS's receiveNIB
intake over HTTP beside the floor (a bare Flask endpoint on the same gunicorn) in one run.

    .venv/bin/python bench/permits_load.py                       # PostgreSQL test_permits + Redis db 6
    .venv/bin/python bench/permits_load.py --applications 10000 --duration 15 --port 9650

Targets (issue 10): sweep < 2 s over 10,000 applications in flight; receiveNIB >= 50/s with p99 < 200 ms.
The load generator is Python threads with keep-alive connections (each push needs its own SHA1 Token,
so wrk's static requests do not fit); it runs on the same cores as the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import bench_env, gunicorn  # noqa: E402

USERNAME, PASSWORD = "bench-pia", "bench-pia-password"
STATES = ("screening", "technical_review", "inspection", "approval", "correction", "awaiting_payment")


def seed(app, count: int, rng: random.Random) -> None:  # noqa: ANN001
    """`count` applications in flight, step deadlines spread from 5 days ago to 10 days ahead."""
    from sqlalchemy import delete, insert

    from gateway.db import Base, UnitOfWork, new_id
    from services.permits.models import Application, History, OssCall, OssInbound, Permit, SlaMark

    with app.app_context():
        engine = app.extensions["database"].engine
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            for table in (SlaMark, History, OssCall, Permit, OssInbound, Application):
                conn.execute(delete(table))
        now = datetime.now(UTC)
        rows = []
        for i in range(count):
            state = rng.choice(STATES)
            step = {"correction": "screening", "awaiting_payment": "payment"}.get(state, state)
            due = now + timedelta(hours=rng.uniform(-120, 240))
            rows.append(
                dict(
                    id=new_id(),
                    number=f"REG-BENCH-{i:07d}",
                    permit_type=rng.choice(("PBG", "SLF", "REKLAME", "PB_UMKU", "SIP")),
                    channel="oss",
                    nib=f"7{i:012d}",
                    business_name=f"CV BENCH {i}",
                    id_izin=f"I-BENCH-{i}",
                    kd_izin="032000000024",
                    filed_by_id="oss",
                    filed_by_role="oss",
                    data={},
                    state=state,
                    step=step,
                    current_opd=rng.choice(("DPMPTSP", "DINAS_PUTR", "DINKES", "DISPERINDAG")),
                    review_round=1,
                    kd_status="05",
                    version=1,
                    submitted_at=now - timedelta(days=5),
                    due_at=due + timedelta(days=rng.uniform(1, 20)),
                    step_due_at=due,
                    paused_at=now if state in ("correction", "awaiting_payment") else None,
                    created_at=now,
                    updated_at=now,
                )
            )
        with UnitOfWork() as uow:
            for start in range(0, len(rows), 2000):
                uow.session.execute(insert(Application), rows[start : start + 2000])
            uow.commit()


def time_sweep(app) -> list[tuple[str, float, dict]]:  # noqa: ANN001
    from gateway.db import UnitOfWork
    from services.permits import deadlines

    results = []
    with app.app_context():
        for label in (
            "first sweep (acts: reminders, escalations, fiktif positif, void)",
            "next sweep (steady)",
        ):
            started = time.perf_counter()
            done = deadlines.sweep(UnitOfWork())
            results.append((label, time.perf_counter() - started, done))
    return results


def load(base: str, duration: float, threads: int, body_for) -> tuple[int, list[float], int]:  # noqa: ANN001
    """POST for `duration` seconds from `threads` keep-alive connections; latencies in ms."""
    host, port = base.split("//")[1].split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def run(n: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        i = 0
        mine: list[float] = []
        while time.monotonic() < stop:
            path, body, headers = body_for(n, i)
            started = time.perf_counter()
            conn.request("POST" if body is not None else "GET", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                with lock:
                    errors[0] += 1
            i += 1
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(latencies), latencies, errors[0]


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=9650)
    args = parser.parse_args()
    env = bench_env(
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_permits"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"),
        OSS_USERNAME=USERNAME,
        OSS_PASSWORD=PASSWORD,
        OSS_BASE_URL="http://127.0.0.1:9/v1/kl/rba",  # nothing listens: the status pushes wait in the outbox
        RATELIMIT_ENABLED="0",
    )
    os.environ.update(env)
    from gateway.app import create_app
    from services.permits.oss_simulator import build_nib, headers_for

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": env["REDIS_URL"]})
    rng = random.Random(1272)
    started = time.perf_counter()
    seed(app, args.applications, rng)
    print(f"seeded {args.applications:,} applications in flight in {time.perf_counter() - started:.1f} s")
    for label, seconds, done in time_sweep(app):
        print(f"{label}: {seconds * 1000:.0f} ms {done}")

    def nib_push(n: int, i: int) -> tuple[str, bytes, dict]:
        data_nib = build_nib(checklist=[{"kd_izin": "032000000024"}])
        headers = headers_for(data_nib["nib"], USERNAME, PASSWORD)
        return "/api/v1/permits/oss/receiveNIB", json.dumps({"dataNIB": data_nib}).encode(), headers

    with gunicorn("floor_app:app", args.port + 1, env, cwd=Path(__file__).resolve().parent) as floor:
        count, lat, errors = load(floor, args.duration, args.threads, lambda n, i: ("/floor", None, {}))
        print(
            f"floor GET /floor: {count / args.duration:.0f}/s p50 {p(lat, 50):.1f} ms p99 {p(lat, 99):.1f} ms errors {errors}"
        )
    with gunicorn("wsgi:app", args.port, env) as api:
        count, lat, errors = load(api, args.duration, args.threads, nib_push)
        print(
            f"receiveNIB: {count / args.duration:.0f}/s p50 {p(lat, 50):.1f} ms p99 {p(lat, 99):.1f} ms "
            f"pushes {count} errors {errors}"
        )


if __name__ == "__main__":
    main()

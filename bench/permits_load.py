"""Permits benchmark (issue 10 item 7): 10,000 applications in flight, the SLA sweep over all of them,
and OSS's receiveNIB intake over HTTP (gunicorn + wrk) beside the floor (a bare Flask endpoint on the
same gunicorn) in one run; the section of docs/benchmarks.md is written from the figures.

    .venv/bin/python bench/permits_load.py            # PostgreSQL test_permits, Redis db 3, ports 8120-8121
    .venv/bin/python bench/permits_load.py --applications 10000 --duration 15 --connections 4,16

Targets: the sweep < 2 s over 10,000 applications in flight; receiveNIB >= 50/s with p99 < 200 ms.
Each push carries its own Token (SHA1 of username, password, NIB and date), so the pushes are generated
and signed beforehand and bench/permits.lua sends them (every push a new NIB with one PBG checklist
item: a business, an application, its history row and the 09 status call to OSS, all in one transaction).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import ROOT, bench_env, gunicorn, machine, write_section, wrk  # noqa: E402
from cpu import CpuMeter, LoadWatch, backend_pids, gunicorn_pids  # noqa: E402

USERNAME, PASSWORD = "bench-pia", "bench-pia-password"
STATES = ("screening", "technical_review", "inspection", "approval", "correction", "awaiting_payment")
TYPES = ("PBG", "SLF", "REKLAME", "PB_UMKU", "SIP")
OPDS = ("DPMPTSP", "DINAS_PUTR", "DINKES", "DISPERINDAG")
TITLE = "Permits: the SLA sweep over 10,000 applications and receiveNIB intake (issue 10)"


def seed(app: Any, count: int, rng: random.Random) -> dict[str, int]:
    """`count` applications in flight over the catalogue's types and steps, step deadlines spread from
    5 days ago to 10 days ahead, whole deadlines 1–20 days after that; one officer per OPD and the head
    of DPMPTSP with phones, so the sweep's reminders and escalations send real SMS (through the outbox)."""
    from sqlalchemy import delete, func, insert, select

    from gateway.db import Base, UnitOfWork, new_id
    from gateway.identity import Staff
    from gateway.identity import staff as staff_service
    from services.permits.models import Application, Business, History, OssCall, OssInbound, Permit, SlaMark

    with app.app_context():
        engine = app.extensions["database"].engine
        Base.metadata.create_all(engine)
        with UnitOfWork() as uow:
            staff_service.seed_reference(uow)
            uow.commit()
        with engine.begin() as conn:
            for table in (SlaMark, History, OssCall, Permit, OssInbound, Application, Business):
                conn.execute(delete(table))
            conn.execute(delete(Staff).where(Staff.username.like("bench-permits-%")))
        with UnitOfWork() as uow:
            for n, (opd, position) in enumerate([(o, None) for o in OPDS] + [("DPMPTSP", "head")]):
                uow.session.add(
                    Staff(
                        username=f"bench-permits-{n}",
                        full_name=f"Bench {opd} {position or 'officer'}",
                        role="officer",
                        opd_code=opd,
                        position=position,
                        phone=f"+62813999{n:05d}",
                        password_hash="!",
                    )
                )
            uow.commit()
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
                    permit_type=rng.choice(TYPES),
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
                    current_opd=rng.choice(OPDS),
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
        with UnitOfWork() as uow:
            in_flight = uow.session.scalar(
                select(func.count()).select_from(Application).where(Application.state.in_(STATES))
            )
        return {"applications": in_flight or 0}


def time_sweeps(app: Any) -> list[tuple[str, float, dict[str, int]]]:
    """The sweep as the periodic job runs it: the first pass acts on everything due, the next finds
    it all done (the steady cost every 5 minutes)."""
    from gateway.db import UnitOfWork
    from services.permits import deadlines

    results = []
    with app.app_context():
        for label in ("first sweep (acts on everything due)", "next sweep (steady, every 5 minutes)"):
            started = time.perf_counter()
            done = deadlines.sweep(UnitOfWork())
            results.append((label, time.perf_counter() - started, done))
    return results


def pushes(count: int) -> Path:
    """`count` distinct dataNIB pushes (one PBG checklist item each), signed with today's Token."""
    from services.permits.oss_simulator import build_nib, headers_for

    path = Path(tempfile.mkdtemp(prefix="permits-bench-")) / "pushes.tsv"
    with path.open("w") as out:
        for _ in range(count):
            data_nib = build_nib(checklist=[{"kd_izin": "032000000024"}])
            token = headers_for(data_nib["nib"], USERNAME, PASSWORD)["Token"]
            out.write(f"{token}\t{json.dumps({'dataNIB': data_nib})}\n")
    return path


def intake(
    base: str, engine: Any, port: int, connections: int, duration: int, bodies: Path
) -> dict[str, Any]:
    from sqlalchemy import text

    status_file = bodies.parent / f"statuses-{connections}.txt"
    threads = min(2, connections)
    os.environ.update(
        PERMITS_BODIES=str(bodies), PERMITS_THREADS=str(threads), PERMITS_STATUS_FILE=str(status_file)
    )
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM permits_application")).scalar_one()
    meter = CpuMeter(app=lambda: gunicorn_pids(port), db=lambda: backend_pids(engine))
    meter.start()
    result = wrk(
        f"`POST /api/v1/permits/oss/receiveNIB`, {connections} connections",
        base + "/api/v1/permits/oss/receiveNIB",
        connections=connections,
        threads=threads,
        duration=duration,
        script=ROOT / "bench" / "permits.lua",
        timeout=30,
    )
    cpu = meter.stop()
    statuses = dict(line.split() for line in status_file.read_text().splitlines() if line.strip())
    with engine.connect() as conn:
        after = conn.execute(text("SELECT count(*) FROM permits_application")).scalar_one()
    accepted = int(statuses.get("200", 0))
    return {
        "wrk": result,
        "statuses": statuses,
        "created": after - before,
        "cpu_ms": {k: v / max(accepted, 1) * 1000 for k, v in cpu.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", default="4,16", help="wrk connections, one run each")
    parser.add_argument("--pushes", type=int, default=6000)
    parser.add_argument("--port", type=int, default=8120)
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md")
    args = parser.parse_args()
    env = bench_env(
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_permits"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        OSS_USERNAME=USERNAME,
        OSS_PASSWORD=PASSWORD,
        OSS_BASE_URL="http://127.0.0.1:9/v1/kl/rba",  # nothing listens: the status calls wait in the outbox
        RATELIMIT_ENABLED="0",
        # production refuses short or default secrets (gateway.config.check_secrets)
        SECRET_KEY=secrets.token_urlsafe(48),
        WEBHOOK_SECRET_SMS=secrets.token_urlsafe(48),
    )
    os.environ.update(env)
    from gateway.app import create_app

    load = LoadWatch()
    load.start()
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": env["REDIS_URL"]})
    started = time.perf_counter()
    seeded = seed(app, args.applications, random.Random(1272))
    print(
        f"seeded {seeded['applications']:,} applications in flight in {time.perf_counter() - started:.1f} s"
    )
    sweeps = time_sweeps(app)
    for label, seconds, done in sweeps:
        print(f"{label}: {seconds * 1000:.0f} ms {done}")
    engine = app.extensions["database"].engine
    floors, intakes = [], []
    for connections in (int(c) for c in args.connections.split(",")):
        with gunicorn("floor_app:app", args.port + 1, env, cwd=ROOT / "bench", boot_timeout=180) as floor:
            floors.append(
                wrk(
                    f"floor `GET /floor`, {connections} connections",
                    floor + "/floor",
                    connections=connections,
                    threads=min(2, connections),
                    duration=args.duration,
                )
            )
        print(floors[-1])
        with gunicorn("wsgi:app", args.port, env, boot_timeout=180) as api:
            bodies = pushes(args.pushes)  # new NIBs for each run: a repeat would be a cheap duplicate
            intakes.append(intake(api, engine, args.port, connections, args.duration, bodies))
        print(intakes[-1])
    load.stop.set()
    load.join()
    print(load.summary())
    if not args.no_write:
        write(args, seeded, sweeps, floors, intakes, load.summary())


# Where the time goes (read from cProfile of single pushes and sweeps, 2026-12-02); re-check when the
# intake or the sweep changes.
ANALYSIS = (
    "Where the time goes (cProfile, 2026-12-02). **The steady sweep** reads the applications whose "
    "step deadline is near or past (about 2,300 of the 10,000 here) as plain columns and their ladder "
    "marks in one query, so a pass over thousands of already-escalated applications writes nothing; "
    "before this change every pass loaded them as ORM objects and re-tried an INSERT … ON CONFLICT per "
    "overdue application (1.26 s for 300 applications on the same busy host). **The first sweep** is a "
    "catch-up no running service meets: 2,180 escalations (an SMS each, through the outbox), 527 voids and "
    "107 permits issued by fiktif positif (numbered, a signed document queued, receiveLicense queued) in "
    "one transaction, then ~3,200 outbox rows relayed one UPDATE each; to consider: the sweep claims each "
    "act and a job per application does it, and the relay dispatches in batches. **receiveNIB** costs "
    "45–51 ms of CPU per push (app + database), so 2 dedicated cores would take about 40–45 pushes/s: "
    "the 50/s target is missed by that estimate too, and the p99 here is the queue behind 2 sync workers "
    "on a host that gave them a fraction of a core (the floor's own p99 was 185–218 ms). A push is one "
    "transaction of a dozen-odd statements (business upsert, duplicate check, application, history row, the 09 "
    "status call with its sequence number, its outbox row, the inbound log) and one more after commit "
    "(the outbox relay: UPDATE and the RQ enqueue); to consider: fewer flushes, the status call's "
    "sequence without a max() query, the relay in the same commit. For scale: OSS pushes a city of "
    "Pematangsiantar's size a few hundred NIBs a day.",
)


def write(
    args: argparse.Namespace, seeded: dict, sweeps: list, floors: list, intakes: list, load: str
) -> None:
    steady = sweeps[-1][1]
    lines = [
        f"Command: `.venv/bin/python bench/permits_load.py --applications {args.applications} "
        f"--duration {args.duration} --connections {args.connections}`",
        "",
        f"PostgreSQL + Redis, gunicorn 2 sync workers, rate limits off, one host ({machine()}). "
        f"**Other engineers' test suites and benchmarks shared the 2 cores throughout ({load})**, so the "
        "figures are pessimistic and noisy; the CPU per push (from /proc) is the figure to size with.",
        "",
        f"**The SLA sweep** (`services.permits.jobs:sla_sweep`) over {seeded['applications']:,} applications "
        "in flight (PBG, SLF, reklame, PB-UMKU, SIP in every step, a sixth waiting for a correction and a "
        "sixth for the retribusi; step deadlines from 5 days ago to 10 days ahead), in-process against "
        "PostgreSQL:",
        "",
        "| pass | seconds | what it did |",
        "|---|---|---|",
        *(f"| {label} | {seconds:.2f} | {done or 'nothing due'} |" for label, seconds, done in sweeps),
        "",
        f"Target < 2 s: **{'met' if steady < 2 else 'missed'}** for the steady pass ({steady:.2f} s).",
        "",
        "**receiveNIB intake** — wrk + `bench/permits.lua`, each push a new NIB with one PBG checklist item "
        "signed with its own Token, beside the floor on the same gunicorn:",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | requests | errors |",
        "|---|---|---|---|---|---|",
    ]
    for floor, taken in zip(floors, intakes, strict=True):
        lines += [floor.row(), taken["wrk"].row()]
    lines.append("")
    for taken in intakes:
        w = taken["wrk"]
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in taken["cpu_ms"].items())
        ok = w.rps >= 50 and w.p99_ms < 200
        lines.append(
            f"- {w.name}: statuses {taken['statuses']}, {taken['created']:,} applications created; "
            f"CPU per push (ms): {cpu}; target ≥ 50/s with p99 < 200 ms: **{'met' if ok else 'missed'}**."
        )
    lines += ["", *ANALYSIS]
    write_section(TITLE, "\n".join(lines))


if __name__ == "__main__":
    main()

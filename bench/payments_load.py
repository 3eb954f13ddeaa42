"""Payments bench (issue 9, item 8), beside the floor of the stack in the same run:

1. invoices created with their QRIS payloads (`services.payments.api.create_invoice`, the call permits and
   parking make: no HTTP endpoint creates invoices), 2 processes committing one invoice each, target 100/s;
2. the acquirer's signed QRIS notifications over HTTP (gunicorn + wrk, one per invoice), with 2 RQ
   workers running the `payments.invoice_paid` subscribers: p99 from a notification's arrival to the end
   of its invoice_paid jobs, target < 1 s at ≥ 100/s;
3. reconciliation of a day of 100,000 QRIS payments against a 100,000-line settlement report (three
   differences seeded), in-process, target < 30 s.

    .venv/bin/python bench/payments_load.py [--invoices 3000] [--payments 100000] [--duration 20]

Uses this worktree's PostgreSQL database and Redis db (BENCH_DATABASE_URL / BENCH_REDIS_URL); its tables
are dropped and created again.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_env, gunicorn, machine, worker_processes, write_section, wrk  # noqa: E402

DB = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_ledger")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
TMP = Path(tempfile.mkdtemp(prefix="payments-bench-"))


def _env() -> dict[str, str]:
    return bench_env(
        DATABASE_URL=DB,
        REDIS_URL=REDIS,
        RATELIMIT_ENABLED="0",
        SECRET_KEY="payments-bench-secret-key-of-more-than-32-characters",
        WEBHOOK_SECRET_SMS="payments-bench-sms-webhook-secret-more-than-32-chars",
        METRICS_ENABLED="0",
        PAYMENTS_SNAP_PRIVATE_KEY_FILE=str(TMP / "client.pem"),
        PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE=str(TMP / "acquirer_public.pem"),
        PAYMENTS_SETTLEMENT_DIR=str(TMP / "settlement"),
    )


def _app():  # noqa: ANN202
    os.environ.update(_env())
    from gateway.app import create_app

    return create_app()


def _load() -> float:
    return os.getloadavg()[0]


# ---- 1. invoices ----------------------------------------------------------------------------------


def _create(count: int, first: int) -> tuple[list[tuple[str, str, int]], float]:
    from gateway.db import UnitOfWork
    from services.payments import api

    app, made = _app(), []
    with app.app_context():
        started = time.perf_counter()  # the app is built: from here on only invoices are timed
        for n in range(first, first + count):
            with UnitOfWork() as uow:
                invoice = api.create_invoice(
                    uow, purpose="permits.retribusi", purpose_ref=f"bench-{n}", amount=10_000 + n % 90 * 1_000,
                    payer=None, description="Retribusi (bench)", expires_at=None, channel_hint="qris",
                )  # fmt: skip
                uow.commit()
            made.append((invoice.id, invoice.billing_code, invoice.amount))
        elapsed = time.perf_counter() - started
        app.extensions["database"].engine.dispose()
    return made, elapsed


def invoices(total: int) -> tuple[list[tuple[str, str, int]], float]:
    """Both processes create at once; the rate is all invoices over the slower one's time."""
    half = total // 2
    with multiprocessing.get_context("fork").Pool(2) as pool:
        parts = pool.starmap(_create, [(half, 0), (total - half, half)])
    return [i for part, _ in parts for i in part], max(elapsed for _, elapsed in parts)


# ---- 2. notifications -----------------------------------------------------------------------------


def signed_lines(made: list[tuple[str, str, int]], key_pem: str) -> Path:
    from services.payments import snap
    from services.payments.notifications import NOTIFY_PATH

    key = snap.load_private(key_pem)
    path = TMP / "notifications.tsv"
    with path.open("w") as out:
        for n, (_, code, amount) in enumerate(made):
            paid = datetime.now(UTC).astimezone(snap_tz())
            body = snap.minify({
                "originalReferenceNo": f"BENCH{n:012d}", "originalPartnerReferenceNo": code,
                "latestTransactionStatus": "00", "transactionStatusDesc": "Success",
                "amount": snap.amount_value(amount), "additionalInfo": {"paidTime": snap.timestamp(paid)},
            })  # fmt: skip
            ts = snap.timestamp(paid)
            signature = snap.rsa_sign(key, snap.notify_string("POST", NOTIFY_PATH, body, ts))
            out.write(f"{ts}\t{signature}\t{paid:%Y%m%d}{n:018d}\t{body}\n")
    return path


def snap_tz():  # noqa: ANN201
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Jakarta")


def handled_latencies(app) -> tuple[list[float], int]:  # noqa: ANN001
    """Seconds from each accepted notification to the end of its invoice's invoice_paid jobs (RQ)."""
    from rq.job import Job
    from rq.serializers import JSONSerializer
    from sqlalchemy import select

    from gateway import outbox
    from gateway import queue as q
    from gateway.db import UnitOfWork
    from services.payments.models import Notification

    connection = q.redis_connection(app)
    with app.app_context(), UnitOfWork() as uow:
        arrived = dict(
            uow.session.execute(
                select(Notification.invoice_id, Notification.received_at).where(Notification.reason == "paid")
            ).all()
        )
        jobs = uow.session.execute(select(outbox.OutboxJob.id, outbox.OutboxJob.kwargs)).all()
    ended: dict[str, datetime] = {}
    for job_id, kwargs in jobs:
        if kwargs.get("event") != "payments.invoice_paid":
            continue
        job = Job.fetch(f"outbox-{job_id}", connection=connection, serializer=JSONSerializer)
        if job.ended_at is None:
            continue
        end = job.ended_at.replace(tzinfo=UTC)
        invoice = kwargs["invoice_id"]
        ended[invoice] = max(end, ended.get(invoice, end))
    return [(ended[i] - arrived[i]).total_seconds() for i in arrived if i in ended], len(arrived)


def workers_ready(app, seconds: float = 180) -> None:  # noqa: ANN001
    """The RQ workers have booted (the app takes seconds to build on a loaded machine)."""
    from rq import Worker

    from gateway import queue as q

    connection = q.redis_connection(app)
    deadline = time.time() + seconds
    while time.time() < deadline and len(Worker.all(connection=connection)) < 2:
        time.sleep(0.5)


def wait_for_queue(app, seconds: float = 120) -> None:  # noqa: ANN001
    from gateway import queue as q

    connection = q.redis_connection(app)
    deadline = time.time() + seconds
    while time.time() < deadline:
        if all(q.queue(n, connection).count == 0 for n in q.QUEUE_NAMES):
            time.sleep(2)  # the last started jobs finish
            return
        time.sleep(0.5)


# ---- 3. reconciliation ----------------------------------------------------------------------------


def seed_day(app, count: int, day: date) -> None:  # noqa: ANN001
    """`count` paid QRIS invoices of `day` and the acquirer's report of them with three differences."""
    from sqlalchemy import insert

    from gateway.db import UnitOfWork, new_id
    from services.payments import models as m

    start = datetime(day.year, day.month, day.day, tzinfo=snap_tz()).astimezone(UTC)
    report = TMP / "settlement" / f"settlement-{day.isoformat()}.csv"
    report.parent.mkdir(parents=True, exist_ok=True)
    with app.app_context(), report.open("w") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["settlement_date", "reference_no", "partner_reference_no", "paid_time", "amount",
                         "mdr_fee", "net_amount", "refunded", "nmid", "merchant_id"])  # fmt: skip
        for first in range(0, count, 10_000):
            invoices, payments = [], []
            for n in range(first, min(first + 10_000, count)):
                at, amount, code = (
                    start + timedelta(seconds=n * 86_000 // count),
                    2_000 + n % 50 * 500,
                    f"R{n:012d}",
                )
                iid = new_id()
                invoices.append({"id": iid, "billing_code": f"B{n:012d}", "purpose": "parking.retribusi",
                                 "purpose_ref": f"seed-{n}", "opd_code": "DISHUB", "amount": amount,
                                 "amount_refunded": 0, "state": "paid", "description": "Parkir (bench)",
                                 "qris_payload": "-", "expires_at": at + timedelta(hours=1), "created_at": at,
                                 "paid_at": at, "version": 2})  # fmt: skip
                payments.append({"id": new_id(), "invoice_id": iid, "channel": "qris", "reference": code,
                                 "amount": amount, "settles": True, "late": False, "paid_at": at,
                                 "recorded_at": at})  # fmt: skip
                if n == 7:
                    continue  # missing at the bank
                fee = amount * 3 // 1000
                bank = amount - 500 if n == 11 else amount  # amount mismatch
                writer.writerow([day.isoformat(), code, f"B{n:012d}", at.isoformat(), bank, fee, bank - fee, 0,
                                 "ID1026000012720", "PEMKOSIANTAR01"])  # fmt: skip
            with UnitOfWork() as uow:
                uow.session.execute(insert(m.Invoice), invoices)
                uow.session.execute(insert(m.Payment), payments)
                uow.commit()
        writer.writerow([day.isoformat(), "R-NOT-OURS", "B-UNKNOWN", start.isoformat(), 5_000, 15, 4_985, 0,
                         "ID1026000012720", "PEMKOSIANTAR01"])  # missing here  # fmt: skip


def reconcile(app, day: date) -> tuple[float, object]:  # noqa: ANN001
    from gateway.db import UnitOfWork
    from services.payments import reconciliation

    with app.app_context():
        started = time.perf_counter()
        run = reconciliation.run(UnitOfWork(), day=day, trigger="on_demand")
        return time.perf_counter() - started, run


def reconciliation_only(count: int) -> int:
    """Part 3 alone (seed, reconcile, reconcile again), for profiling the reconciliation by itself."""
    os.environ.update(_env())
    app = _app()
    reset(app)
    day = date(2026, 11, 30)
    seed_day(app, count, day)
    loads = [_load()]
    first_seconds, run = reconcile(app, day)
    again_seconds, _ = reconcile(app, day)
    loads.append(_load())
    print(
        f"reconciliation of {count:,} payments: {first_seconds:.1f} s (matched {run.matched:,}; missing at bank "
        f"{run.missing_at_bank}, missing here {run.missing_here}, amount mismatch {run.amount_mismatch}); "
        f"again {again_seconds:.1f} s; 1-minute load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores"
    )
    return 0


# ---- the run --------------------------------------------------------------------------------------


def reset(app) -> None:  # noqa: ANN001
    from gateway import queue as q
    from gateway.db import Base

    with app.app_context():
        engine = app.extensions["database"].engine
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        engine.dispose()
        connection = q.redis_connection(app)
        connection.flushdb()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=3000)
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument(
        "--reconciliation-only",
        action="store_true",
        help="only part 3; prints its figures, writes no section",
    )
    args = parser.parse_args()
    if args.reconciliation_only:
        return reconciliation_only(args.payments)
    from services.payments import snap

    ours, theirs = snap.new_private_key(), snap.new_private_key()
    (TMP / "client.pem").write_text(snap.private_pem(ours))
    (TMP / "acquirer_public.pem").write_text(snap.public_pem(theirs))
    env, app = _env(), _app()
    reset(app)
    loads = [_load()]

    with gunicorn("floor_app:app", 8102, env, cwd=ROOT / "bench") as floor:
        floor_result = wrk("floor: bare Flask `GET /floor`", floor + "/floor", connections=8, duration=10)
    loads.append(_load())

    made, seconds = invoices(args.invoices)
    created_rate = len(made) / seconds
    loads.append(_load())

    lines = signed_lines(made, snap.private_pem(theirs))
    os.environ.update(PAYMENTS_NOTIFICATIONS=str(lines), PAYMENTS_THREADS="2")
    with worker_processes(2, env), gunicorn("wsgi:app", 8101, env, boot_timeout=180) as base:
        workers_ready(app)
        notify = wrk(
            "`POST /api/v1/payments/notify/qris` (signed, one per invoice)",
            base + "/api/v1/payments/notify/qris",
            connections=8,
            duration=args.duration,
            script=ROOT / "bench" / "payments_notify.lua",
            timeout=10,  # wrk's default 2 s drops slow answers on a loaded machine as socket errors
        )
        loads.append(_load())
        wait_for_queue(app)
    latencies, accepted = handled_latencies(app)
    latencies.sort()
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan")

    day = date(2026, 11, 30)
    seed_day(app, args.payments, day)
    first_seconds, run = reconcile(app, day)
    again_seconds, _ = reconcile(app, day)
    loads.append(_load())

    body = f"""Command: `.venv/bin/python bench/payments_load.py --invoices {args.invoices} --payments {args.payments} --duration {args.duration}`

PostgreSQL 15 + Redis (this worktree's database and Redis db), gunicorn 2 sync workers, 2 RQ workers
(`flask worker`) running the `payments.invoice_paid` subscribers (parking, permits) during the notification
run; wrk 2 threads, 8 connections. One host ({machine()}); **the machine was shared with four other
helpers' test suites and benchmarks: 1-minute load average {min(loads):.1f}–{max(loads):.1f} on 2 cores**, so
every figure is pessimistic and noisy.

| what | figure | target |
|---|---|---|
| floor: bare Flask `GET /floor` (same gunicorn) | {floor_result.rps:,.0f} req/s, p50 {floor_result.p50_ms:.1f} ms, p99 {floor_result.p99_ms:.1f} ms | — |
| invoices created with their QRIS payload (`api.create_invoice`, 2 processes, one commit each) | **{created_rate:,.0f}/s** ({len(made):,} in {seconds:.1f} s) | 100/s — {"met" if created_rate >= 100 else "**missed**"} |
| {notify.name} | **{notify.rps:,.0f} req/s**, p50 {notify.p50_ms:.1f} ms, p99 {notify.p99_ms:.1f} ms, {notify.requests:,} requests, {notify.errors} non-2xx | 100/s — {"met" if notify.rps >= 100 else "**missed**"} |
| notification arrival → its `payments.invoice_paid` jobs ended (RQ), {len(latencies):,} of {accepted:,} paid | p50 {p50 * 1000:,.0f} ms, **p99 {p99 * 1000:,.0f} ms** | p99 < 1 s — {"met" if p99 < 1 else "**missed**"} |
| reconciliation of {args.payments:,} QRIS payments against a {args.payments:,}-line report (in-process) | **{first_seconds:.1f} s** (matched {run.matched:,}; missing at bank {run.missing_at_bank}, missing here {run.missing_here}, amount mismatch {run.amount_mismatch}) | < 30 s — {"met" if first_seconds < 30 else "**missed**"} |
| the same day reconciled again (nothing left to match) | {again_seconds:.1f} s | — |

- The notifications are sent as fast as the server answers (closed loop), so the rate is a ceiling at
  this load, not a fixed 100/s; the latency column of wrk is the HTTP round trip (signature check, the
  invoice paid, its ledger posting and the outbox rows in one transaction).
- Reconciliation seeds 100,000 paid invoices and payments by bulk insert (no ledger postings for them),
  then runs `reconciliation.run` as the daily job does: report parsed and imported, pairs, tasks, and one
  settlement transaction in the ledger.
"""
    write_section("Payments: invoices, notifications and reconciliation (issue 9)", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

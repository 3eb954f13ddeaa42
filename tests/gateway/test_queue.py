"""The job queue loses nothing: outbox after commit, Redis outages, jobs run twice, workers killed mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from redis import Redis
from sqlalchemy import select

from gateway import notify, outbox
from gateway import queue as q
from gateway.db import UnitOfWork, utcnow
from gateway.notify import InboxItem, Message
from gateway.outbox import OutboxJob
from tests.conftest import DATABASE_URL, PASSWORD, REDIS_URL
from tests.gateway import slowjobs
from tests.gateway.support import ROOT, SpareRedis, flask_cmd, other_app, process_env, run_worker_burst

needs_postgres = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"), reason="row locks: embedded mode runs jobs one at a time"
)
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: embedded mode runs jobs in-process")


def _outbox_rows(app) -> list[OutboxJob]:
    with app.app_context(), UnitOfWork() as uow:
        return list(uow.session.scalars(select(OutboxJob).order_by(OutboxJob.created_at)))


def _messages(app, to: str) -> list[Message]:
    with app.app_context(), UnitOfWork() as uow:
        return list(uow.session.scalars(select(Message).where(Message.to == to)))


def _inbox(app, dedupe_key: str) -> list[InboxItem]:
    with app.app_context(), UnitOfWork() as uow:
        return list(uow.session.scalars(select(InboxItem).where(InboxItem.dedupe_key == dedupe_key)))


# ---- after commit, never after rollback -------------------------------------------------------------


def test_job_runs_after_commit_and_sees_the_committed_change(app, make_resident, run_jobs):
    resident = make_resident()
    marker = f"commit-{uuid.uuid4().hex}"
    with app.app_context(), UnitOfWork() as uow:
        outbox.enqueue(uow, slowjobs.note, marker=marker, resident_id=resident.id)
        assert _inbox(app, marker) == []  # recorded, not run, while the transaction is open
        uow.commit()
    if not REDIS_URL:
        # embedded: the same job ran in-process right after the commit, before the request returns
        [item] = _inbox(app, marker)
        assert item.title == "seen"
    run_jobs()
    [item] = _inbox(app, marker)
    assert item.title == "seen"
    [row] = _outbox_rows(app)
    assert row.dispatched_at is not None


def test_job_of_a_rolled_back_transaction_never_runs(app, make_resident, run_jobs):
    resident = make_resident()
    marker = f"rollback-{uuid.uuid4().hex}"
    with pytest.raises(RuntimeError), app.app_context(), UnitOfWork() as uow:
        outbox.enqueue(uow, slowjobs.note, marker=marker, resident_id=resident.id)
        raise RuntimeError("the use case failed")
    run_jobs()
    with app.app_context():
        assert outbox.sweep() == 0
    assert _outbox_rows(app) == []
    assert _inbox(app, marker) == []


# ---- a job run twice has one effect -----------------------------------------------------------------


def test_delivering_a_message_twice_sends_it_once(app, run_jobs):
    with app.app_context(), UnitOfWork() as uow:
        notify.send_sms(uow, to="+6281277770001", body="Halo", dedupe_key="twice:1")
        notify.send_sms(uow, to="+6281277770001", body="Halo lagi", dedupe_key="twice:1")  # same key
        uow.commit()
    run_jobs()
    [message] = _messages(app, "+6281277770001")
    assert message.status == "sent" and message.body == "Halo"
    first_sent_at, provider_id = message.sent_at, message.provider_id
    with app.app_context():
        notify.deliver(message.id)
        notify.deliver(message.id)
    [again] = _messages(app, "+6281277770001")
    assert (again.status, again.sent_at, again.provider_id) == ("sent", first_sent_at, provider_id)


def test_relaying_twice_dispatches_once(app, run_jobs):
    with app.app_context(), UnitOfWork() as uow:
        notify.send_sms(uow, to="+6281277770002", body="Sekali", dedupe_key="relay:1")
        uow.commit()
    run_jobs()
    [row] = _outbox_rows(app)
    dispatched = row.dispatched_at
    with app.app_context():
        assert outbox.relay(ids=[row.id]) == 0
        old = utcnow() - timedelta(minutes=5)
        with UnitOfWork() as uow:
            uow.session.get(OutboxJob, row.id).created_at = old  # old enough for the sweep
            uow.commit()
        assert outbox.sweep() == 0
    run_jobs()
    [row] = _outbox_rows(app)
    assert row.dispatched_at == dispatched
    [message] = _messages(app, "+6281277770002")
    assert message.status == "sent"


@needs_redis
def test_rq_job_enqueued_twice_after_a_relay_crash_still_sends_once(app, run_jobs):
    """The relay may die between enqueue and marking the row: the job reaches RQ twice, one SMS."""
    with app.app_context(), UnitOfWork() as uow:
        notify.send_sms(uow, to="+6281277770003", body="Dua kali", dedupe_key="crash:1")
        uow.commit()
    [row] = _outbox_rows(app)
    with app.app_context():
        connection = q.redis_connection()
        q.enqueue(row.job, row.kwargs, job_id=f"outbox-{row.id}-retry", connection=connection)
    run_jobs()  # the relay's own enqueue plus ours: the deliver job runs twice
    [message] = _messages(app, "+6281277770003")
    assert message.status == "sent"
    with app.app_context():
        from rq.registry import FinishedJobRegistry
        from rq.serializers import JSONSerializer

        finished = FinishedJobRegistry("default", connection=connection, serializer=JSONSerializer)
        assert {f"outbox-{row.id}", f"outbox-{row.id}-retry"} <= set(finished.get_job_ids())


@needs_postgres
def test_concurrent_deliveries_send_once(app):
    """Two workers running the same deliver job at once: the row lock lets one provider call through."""
    import threading

    from werkzeug.serving import make_server

    from gateway.sms import create_simulator

    provider = create_simulator("AC-conc", "tok-conc")
    server = make_server("127.0.0.1", 0, provider, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with app.app_context(), UnitOfWork() as uow:
        uow.session.add(Message(channel="sms", to="+6281277770004", body="x", dedupe_key="conc:1"))
        uow.commit()
    [message] = _messages(app, "+6281277770004")
    app.config.update(
        NOTIFY_SMS_ADAPTER="http",
        SMS_API_URL=f"http://127.0.0.1:{server.server_port}",
        SMS_ACCOUNT="AC-conc",
        SMS_TOKEN="tok-conc",
    )
    barrier = threading.Barrier(2)

    def run() -> None:
        with app.app_context():
            barrier.wait()
            notify.deliver(message.id)

    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        app.config.update(NOTIFY_SMS_ADAPTER="log")
        server.shutdown()
    sent_by_provider = provider.extensions["sms_state"].messages
    assert [m["to"] for m in sent_by_provider] == ["+6281277770004"]
    [sent] = _messages(app, "+6281277770004")
    assert sent.status == "sent" and sent.provider_id == sent_by_provider[0]["sid"]


# ---- Redis down: the request succeeds, the job waits in the outbox ----------------------------------


@needs_redis
def test_request_succeeds_with_redis_down_and_its_job_runs_once_redis_is_back(app, citizen, tmp_path):
    phone = "+6281255550001"
    citizen(phone=phone)
    spare = SpareRedis(tmp_path)
    spare.start()
    try:
        with other_app(app, REDIS_URL=spare.url) as api:
            spare.stop()
            started = time.monotonic()
            r = api.test_client().post("/api/v1/auth/password-reset", json={"login": "081255550001"})
            assert r.status_code == 202, r.json
            assert time.monotonic() - started < 10  # no hanging on the dead Redis
            [row] = _outbox_rows(app)
            assert row.job == "gateway.notify:deliver"
            assert row.dispatched_at is None and row.last_error.startswith("enqueue")
            [message] = _messages(app, phone)
            assert message.status == "queued"
            client = api.test_client()
            assert client.get("/readyz").status_code == 503

            # signed-in citizens keep working, and a logout still revokes (the database stands in)
            login = client.post("/api/v1/auth/login", json={"username": phone, "password": PASSWORD})
            assert login.status_code == 200, login.json
            bearer = {"Authorization": f"Bearer {login.json['access_token']}"}
            assert client.get("/api/v1/me", headers=bearer).status_code == 200
            assert client.post("/api/v1/auth/logout", json={}, headers=bearer).status_code == 204
            r = client.get("/api/v1/me", headers=bearer)
            assert r.status_code == 401 and r.json["reason"] == "token_revoked"
            assert [r.job for r in _outbox_rows(app)] == [
                "gateway.notify:deliver",
                "gateway.identity.service:cache_revocation",
            ]

            spare.start()
            newest = _outbox_rows(app)[-1]
            wait = (newest.created_at + outbox.SWEEP_GRACE - utcnow()).total_seconds()
            time.sleep(max(wait, 0) + 0.2)  # the sweep leaves rows a just-finished commit is relaying
            with api.app_context():
                assert outbox.sweep() == 2
            env = process_env(app, REDIS_URL=spare.url)
            done = run_worker_burst(env)
            assert done.returncode == 0, done.stderr
            [message] = _messages(app, phone)
            assert message.status == "sent"
            sent_at = message.sent_at

            # the sweep and a worker again: nothing is sent twice
            with api.app_context():
                assert outbox.sweep() == 0
            assert run_worker_burst(env).returncode == 0
            [message] = _messages(app, phone)
            assert (message.status, message.sent_at) == ("sent", sent_at)
            assert all(row.dispatched_at is not None for row in _outbox_rows(app))
            # the revocation reached Redis, where every API process looks first
            jti = jwt.decode(login.json["access_token"], options={"verify_signature": False})["jti"]
            assert Redis.from_url(spare.url).exists(f"siantar:revoked:{jti}")
            assert client.get("/api/v1/me", headers=bearer).status_code == 401
    finally:
        if spare.is_up():
            spare.stop()


# ---- a worker killed mid-job: retried, not lost ----------------------------------------------------


@needs_redis
def test_worker_killed_mid_job_leaves_the_job_retried_not_lost(app):
    from rq.job import Job, JobStatus
    from rq.registry import StartedJobRegistry
    from rq.serializers import JSONSerializer

    key = f"slow:{uuid.uuid4().hex}"
    job_id = f"test-{key.replace(':', '-')}"
    with app.app_context():
        connection = q.redis_connection()
        q.enqueue("tests.gateway.slowjobs:slow_mark", {"key": key, "seconds": 30}, job_id=job_id)
    env = process_env(app)
    worker = subprocess.Popen(
        flask_cmd("worker", "--no-scheduler"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90  # a loaded CI box imports slowly
        while connection.get(f"{key}:pid") is None:
            assert time.monotonic() < deadline, "the worker never started the job"
            assert worker.poll() is None, "the worker died on its own"
            time.sleep(0.1)
        horse = int(connection.get(f"{key}:pid"))
        # The machine dies: the work horse (its own process group) and the worker, both with SIGKILL.
        os.kill(horse, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    assert connection.get(f"{key}:done") is None

    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.STARTED  # nobody is running it: abandoned
    started = StartedJobRegistry("default", connection=connection, serializer=JSONSerializer)
    assert job_id in started.get_job_ids()
    # A live worker's maintenance runs this cleanup once the dead worker's heartbeat (job monitoring
    # interval + 60 s) has lapsed; we pass that moment instead of waiting for it.
    started.cleanup(timestamp=time.time() + 3600)
    assert job_id not in started.get_job_ids()
    job.refresh()
    assert job.get_status() == JobStatus.SCHEDULED  # retried with the back-off, not failed
    assert job.retries_left == len(q.RETRY) - 1
    due = q.queue("default", connection).scheduled_job_registry.get_scheduled_time(job_id)
    time.sleep(max((due.timestamp() - time.time()), 0) + 0.5)

    # a fresh worker (its scheduler enqueues due retries at start-up) finishes the job
    connection.set(f"{key}:fast", "1")
    done = run_worker_burst(env)
    assert done.returncode == 0, done.stderr
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert connection.get(f"{key}:done") == b"1"
    assert int(connection.get(f"{key}:starts")) == 2


def test_periodic_sweep_is_registered_and_runs_once_per_slot(app, run_jobs):
    assert {p.path: p.every for p in q.periodic_jobs(app)}["gateway.outbox:sweep"] == 10
    slot_start = (int(time.time()) // 10) * 10.0
    with app.app_context():
        first = q.run_periodic_once(app, now=slot_start + 1)
        second = q.run_periodic_once(app, now=slot_start + 2)  # another worker, same slot
        assert "gateway.outbox:sweep" in first
        if REDIS_URL:
            assert "gateway.outbox:sweep" not in second  # the slot's lock is taken
            queued = q.queue("default").get_job_ids()
            assert queued.count(f"periodic-gateway_outbox_sweep-{int(slot_start) // 10}") == 1
        else:
            assert "gateway.outbox:sweep" in second  # one process: the loop itself keeps time
    run_jobs()
    if REDIS_URL:
        from rq.job import Job, JobStatus
        from rq.serializers import JSONSerializer

        with app.app_context():
            job = Job.fetch(
                f"periodic-gateway_outbox_sweep-{int(slot_start) // 10}",
                connection=q.redis_connection(),
                serializer=JSONSerializer,
            )
            assert job.get_status() == JobStatus.FINISHED  # a worker ran the sweep


@needs_redis
def test_worker_process_sweeps_up_what_the_relay_left_behind(app):
    """The API process died between commit and relay: the worker's periodic sweep delivers anyway."""
    with app.app_context(), UnitOfWork() as uow:
        message = Message(channel="sms", to="+6281277770009", body="Tertinggal", dedupe_key="left:1")
        uow.session.add(message)
        uow.session.flush()
        uow.session.add(
            OutboxJob(
                job="gateway.notify:deliver",
                kwargs={"message_id": message.id},
                created_at=utcnow() - timedelta(minutes=1),
            )
        )
        uow.commit()  # written directly: no after-commit relay, as if the process had died
    worker = subprocess.Popen(
        flask_cmd("worker"),
        cwd=ROOT,
        env=process_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while _messages(app, "+6281277770009")[0].status != "sent":
            assert time.monotonic() < deadline, "the periodic sweep never delivered the message"
            assert worker.poll() is None, "the worker died"
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    [row] = _outbox_rows(app)
    assert row.dispatched_at is not None

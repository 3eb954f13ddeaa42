"""Issue 13, finding 10: the worker's scheduler rides out a Redis outage — one log line when it pauses,
one when it resumes (not a traceback per tick), and it resumes as soon as Redis answers; the worker's
maintenance (restarting RQ's scheduler, re-queueing a killed worker's jobs) runs every half minute, not
every ten. A private redis-server is stopped and started; the shared one is never touched."""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import Redis
from rq.utils import now

from gateway import queue as q
from tests.gateway.support import SpareRedis, other_app, wait_for


def test_periodic_scheduler_logs_one_line_per_outage_and_resumes(app, tmp_path, caplog):
    spare = SpareRedis(tmp_path)
    spare.start()
    spare.stop()  # Redis is down when the worker starts
    caplog.set_level(logging.WARNING, logger="gateway.queue")
    try:
        with other_app(app, REDIS_URL=spare.url) as worker_app:
            ticker = q.PeriodicThread(worker_app, tick=0.02)
            ticker.start()
            try:
                wait_for(lambda: ticker.ticks >= 25, 60, "the scheduler stopped ticking")
                lines = [r for r in caplog.records if r.name == "gateway.queue"]
                assert [r.getMessage().split(",")[0] for r in lines] == ["periodic scheduler: paused"]
                assert all(r.exc_info is None for r in lines)

                spare.start()  # Redis is back: the very next tick enqueues the due periodic jobs
                wait_for(
                    lambda: any("resumed" in r.getMessage() for r in caplog.records), 60, "never resumed"
                )
                redis = Redis.from_url(spare.url)
                assert redis.keys("siantar:periodic:*"), "no periodic job was enqueued after the outage"
                assert q.queue("default", redis).count > 0
                lines = [r for r in caplog.records if r.name == "gateway.queue"]
                assert len(lines) == 2 and all(r.exc_info is None for r in lines)
            finally:
                ticker.stopped.set()
                ticker.join(timeout=10)
    finally:
        if spare.is_up():
            spare.stop()


def test_the_worker_runs_its_maintenance_every_half_minute(app, tmp_path):
    spare = SpareRedis(tmp_path)
    spare.start()
    try:
        worker = q.make_worker(Redis.from_url(spare.url), fork=False)
        assert worker.maintenance_interval == q.MAINTENANCE_INTERVAL <= 60
        worker.last_cleaned_at = now() - timedelta(seconds=q.MAINTENANCE_INTERVAL + 1)
        # At RQ's default (600 s) this would wait ten minutes: a dead scheduler or a killed job with it.
        assert worker.should_run_maintenance_tasks
    finally:
        spare.stop()

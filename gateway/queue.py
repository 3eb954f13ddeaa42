"""RQ on Redis (JSON serializer, retries with back-off), or in-process jobs when no REDIS_URL is set."""

from __future__ import annotations

import importlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Callback, Queue, Retry
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

QUEUE_NAMES = ("default",)
# Back-off for jobs that call outside systems; a job that exhausts it lands in the failed registry.
RETRY = (10, 30, 120, 600, 1800)


def redis_connection(app: Flask | None = None) -> Redis | None:
    app = app or current_app
    return app.extensions.get("redis")


def queue(name: str = "default", connection: Redis | None = None) -> Queue:
    connection = connection or redis_connection()
    if connection is None:
        raise RuntimeError("no REDIS_URL: jobs run in-process")
    return Queue(name, connection=connection, serializer=JSONSerializer)


def resolve(path: str) -> Callable[..., Any]:
    """'services.adminduk.jobs:render' → the function (jobs are plain importable functions)."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def job_path(job: Callable[..., Any]) -> str:
    """The path a worker imports a job by ('module:function'), checked now rather than in the worker.

    Jobs are passed around as function references; only the outbox row and RQ keep the path.
    """
    if isinstance(job, str):
        raise TypeError(f"jobs are passed by reference, not by name: {job!r}")
    path = f"{job.__module__}:{job.__qualname__}"
    try:
        found = resolve(path)
    except (ImportError, AttributeError):
        found = None
    if found is not job:
        raise TypeError(f"{path} is not a module-level function a worker can import")
    return path


def enqueue(
    path: str,
    kwargs: dict[str, Any],
    *,
    job_id: str | None = None,
    queue_name: str = "default",
    connection: Redis | None = None,
    on_success: str | None = None,
) -> None:
    """Put one job on RQ; the job function is given by its dotted path so the worker imports it.
    `on_success` ('module.function'): called by the worker with (job, connection, result) once it ran."""
    module, _, attr = path.partition(":")
    queue(queue_name, connection).enqueue(
        f"{module}.{attr}",
        kwargs=kwargs,
        job_id=job_id,
        retry=Retry(max=len(RETRY), interval=list(RETRY)),
        result_ttl=3600,
        failure_ttl=30 * 86400,
        on_success=Callback(on_success) if on_success else None,
    )


def jobs_in_redis(job_ids: list[str], connection: Redis) -> dict[str, str | None]:
    """Each job id → its RQ status, or None when Redis does not know it (lost with Redis's data)."""
    jobs = Job.fetch_many(job_ids, connection=connection, serializer=JSONSerializer)
    return {
        job_id: (job.get_status(refresh=False) if job is not None else None)
        for job_id, job in zip(job_ids, jobs, strict=True)
    }


MAINTENANCE_INTERVAL = 30
"""Seconds between a worker's maintenance runs (RQ's default is 600): they restart an RQ scheduler that
died while Redis was away, and re-queue the jobs of a killed worker once its heartbeat lapsed. At RQ's
default both took ~10 minutes; now about half a minute after Redis is back or the heartbeat lapsed."""


def make_worker(connection: Redis, *, fork: bool) -> Any:
    """The worker `flask worker` runs: every queue, the JSON serializer, prompt maintenance."""
    from rq import SimpleWorker, Worker

    worker_class = Worker if fork else SimpleWorker
    return worker_class(
        list(QUEUE_NAMES),
        connection=connection,
        serializer=JSONSerializer,
        maintenance_interval=MAINTENANCE_INTERVAL,
    )


def failed_jobs(connection: Redis) -> list[dict[str, Any]]:
    out = []
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(name, connection=connection, serializer=JSONSerializer)
        for job in registry.get_job_ids():
            fetched = queue(name, connection).fetch_job(job)
            if fetched is None:
                continue
            out.append(
                {
                    "id": fetched.id,
                    "queue": name,
                    "function": fetched.func_name,
                    "kwargs": fetched.kwargs,
                    "ended_at": fetched.ended_at,
                    "error": (fetched.exc_info or "").strip().splitlines()[-1:] or [""],
                }
            )
    return out


def requeue_failed(connection: Redis, job_id: str) -> bool:
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(name, connection=connection, serializer=JSONSerializer)
        if job_id in registry.get_job_ids():
            registry.requeue(job_id)
            return True
    return False


# ---- periodic jobs, registered in one place ---------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """A job declared in a module's ``periodic`` to run every ``every`` seconds (sweeps, SLA clocks)."""

    job: Callable[[], Any]
    every: int  # seconds

    @property
    def path(self) -> str:
        return job_path(self.job)


def periodic_jobs(app: Flask) -> tuple[Periodic, ...]:
    """The periodic jobs of every installed module (gateway.kernel.modules.install)."""
    registry = app.extensions.get("modules")
    return registry.periodic if registry is not None else ()


def run_periodic_once(app: Flask, now: float | None = None) -> list[str]:
    """Enqueue each periodic job whose slot is due; a Redis lock per slot keeps it to one worker."""
    connection = redis_connection(app)
    now = now or time.time()
    started = []
    for item in periodic_jobs(app):
        slot = int(now // item.every)
        key = f"siantar:periodic:{item.path}:{slot}"
        if connection is not None:
            if not connection.set(key, "1", nx=True, ex=item.every * 2):
                continue
            # RQ job ids allow only letters, digits, '_' and '-'
            job_id = "periodic-" + re.sub(r"[^A-Za-z0-9_-]", "_", item.path) + f"-{slot}"
            enqueue(item.path, {}, job_id=job_id, connection=connection)
        else:
            with app.app_context():
                item.job()
        started.append(item.path)
    return started


class PeriodicThread(threading.Thread):
    """Runs beside the worker and enqueues periodic jobs on time; survives Redis outages (one log line
    when it pauses, one when it resumes: not a traceback per tick)."""

    def __init__(self, app: Flask, tick: float = 1.0) -> None:
        super().__init__(daemon=True, name="periodic")
        self.app, self.tick = app, tick
        self.stopped = threading.Event()
        self.ticks = 0  # ticks tried so far, failed ones too

    def run(self) -> None:
        failing_since: float | None = None
        while not self.stopped.wait(self.tick):
            self.ticks += 1
            try:
                run_periodic_once(self.app)
            except Exception as exc:  # Redis down: try again next tick, one log line per outage
                if failing_since is None:
                    failing_since = time.monotonic()
                    log.warning("periodic scheduler: paused, %s: %s", type(exc).__name__, exc)
                continue
            if failing_since is not None:
                log.warning("periodic scheduler: resumed after %.0f s", time.monotonic() - failing_since)
                failing_since = None

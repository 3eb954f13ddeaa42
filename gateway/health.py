"""/healthz (alive), /readyz (database and Redis reachable) and /metrics (Prometheus)."""

from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text

from gateway import queue as q
from gateway.errors import NotFound

bp = Blueprint("health", __name__)

REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
QUEUE_DEPTH = Gauge("rq_queue_depth", "Jobs waiting in the queue", ["queue"], multiprocess_mode="max")
FAILED_JOBS = Gauge("rq_failed_jobs", "Jobs in the failed registry", ["queue"], multiprocess_mode="max")
OUTBOX_PENDING = Gauge("outbox_pending", "Outbox rows not yet relayed", multiprocess_mode="max")


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks: dict[str, str] = {}
    try:
        with current_app.extensions["database"].engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unreachable"
    connection = q.redis_connection()
    if connection is not None:
        try:
            connection.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unreachable"
    ok = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics; in production only with METRICS_ENABLED=1 (they name internals)."""
    if not current_app.config.get("METRICS_ENABLED", True):
        raise NotFound("Not found", reason="not_found")
    from rq.registry import FailedJobRegistry
    from rq.serializers import JSONSerializer

    from gateway import outbox

    connection = q.redis_connection()
    if connection is not None:
        try:
            for name in q.QUEUE_NAMES:
                QUEUE_DEPTH.labels(name).set(q.queue(name, connection).count)
                FAILED_JOBS.labels(name).set(
                    FailedJobRegistry(name, connection=connection, serializer=JSONSerializer).count
                )
        except Exception:  # Redis down: /readyz reports it; metrics keep the last values
            current_app.logger.warning("metrics: queue gauges unavailable")
    try:
        OUTBOX_PENDING.set(outbox.pending_count(current_app.extensions["database"]))
    except Exception:
        current_app.logger.warning("metrics: outbox gauge unavailable")
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        payload = generate_latest(registry)
    else:
        payload = generate_latest()
    return Response(payload, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        if endpoint != "/metrics":
            REQUESTS.labels(request.method, endpoint, response.status_code).inc()
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - g.get("started", 0))
        return response

"""In-process profile of one endpoint: the app's own cost per request without HTTP, gunicorn or the load
generator (CPU ms, wall ms, SQL statements, commits), so a figure taken on a shared, busy host still says
what a change saved."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Profile:
    requests: int
    wall_ms: float
    cpu_ms: float
    statements: float
    commits: float
    statuses: dict[int, int]

    def text(self) -> str:
        return (
            f"{self.cpu_ms:.2f} ms CPU ({self.wall_ms:.2f} ms wall), {self.statements:.1f} SQL statements, "
            f"{self.commits:.1f} commits per request (in-process, {self.requests} requests)"
        )


class _Counter:
    def __init__(self) -> None:
        self.statements = 0
        self.commits = 0

    def statement(self, *_: Any) -> None:
        self.statements += 1

    def commit(self, *_: Any) -> None:
        self.commits += 1


def profile(app: Any, requests: list[tuple[str, str, dict[str, str], Any]], warm: int = 20) -> Profile:
    """Run (method, path, headers, json) requests through `app.test_client()`; the first `warm` are not
    counted (caches, prepared statements, first connections)."""
    client = app.test_client()
    counter = _Counter()
    statuses: dict[int, int] = {}
    for method, path, headers, body in requests[:warm]:
        client.open(path, method=method, headers=headers, json=body)
    measured = requests[warm:]
    event.listen(Engine, "before_cursor_execute", counter.statement)
    event.listen(Engine, "commit", counter.commit)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for method, path, headers, body in measured:
            status = client.open(path, method=method, headers=headers, json=body).status_code
            statuses[status] = statuses.get(status, 0) + 1
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        event.remove(Engine, "before_cursor_execute", counter.statement)
        event.remove(Engine, "commit", counter.commit)
    n = max(len(measured), 1)
    return Profile(
        len(measured), wall / n * 1000, cpu / n * 1000, counter.statements / n, counter.commits / n, statuses
    )

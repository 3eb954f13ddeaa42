"""Cross-service events: publish(uow, name, **ids) becomes one outbox job per subscriber."""

from __future__ import annotations

from typing import Any

from gateway import outbox
from gateway.db import UnitOfWork

_SUBSCRIBERS: dict[str, list[str]] = {}


def subscribe(event: str, job: str) -> None:
    """Register a job ('services.x.jobs:on_y') to run after `event` commits."""
    jobs = _SUBSCRIBERS.setdefault(event, [])
    if job not in jobs:
        jobs.append(job)


def subscribers(event: str) -> list[str]:
    return list(_SUBSCRIBERS.get(event, ()))


def publish(uow: UnitOfWork, event: str, **ids: Any) -> None:
    """Services never call each other: they publish ids, and subscribers' jobs run after commit."""
    for job in subscribers(event):
        outbox.enqueue(uow, job, event=event, **ids)

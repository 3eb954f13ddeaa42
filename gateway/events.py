"""Cross-service events: publish(uow, name, **fields) becomes one outbox job per subscriber.

Events are declared in the publishing module (``ServiceModule.events``: name and id fields) and
subscribed to in the subscribing one (``ServiceModule.subscriptions``); ``install()`` refuses a
subscription to an undeclared event at start-up, and publish() refuses an undeclared event or fields
other than the declared ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from gateway import outbox
from gateway.db import UnitOfWork
from gateway.kernel.modules import Event


class UndeclaredEvent(RuntimeError):
    """Published an event no module declares, or with other fields than it declares."""


def subscribers(event: str) -> tuple[Callable[..., Any], ...]:
    return current_app.extensions["modules"].subscribers.get(event, ())


def publish(uow: UnitOfWork, event: Event | str, **fields: Any) -> None:
    """Services never call each other: they publish ids, and subscribers' jobs run after commit."""
    event = event.name if isinstance(event, Event) else event
    registry = current_app.extensions["modules"]
    declared = registry.events.get(event)
    if declared is None:
        raise UndeclaredEvent(f"{event} is not declared by any module")
    if set(fields) != set(declared.fields):
        raise UndeclaredEvent(f"{event} carries {sorted(declared.fields)}, not {sorted(fields)}")
    for job in subscribers(event):
        outbox.enqueue(uow, job, event=event, **fields)

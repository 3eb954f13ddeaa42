"""Complaint jobs: status notifications after commit, and the periodic deadline sweep."""

from __future__ import annotations

from gateway.db import UnitOfWork
from services.complaints import service


def notify_event(event_id: str) -> None:
    """Tell reporter and followers about one public status change (idempotent by dedupe keys)."""
    service.notify_event(UnitOfWork(), event_id=event_id)


def sweep() -> None:
    """Every 300 s: reminders, escalations, overdue flags, auto-close (each step once)."""
    service.sweep(UnitOfWork())

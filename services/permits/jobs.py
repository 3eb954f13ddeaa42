"""Permit jobs: ids in, their own unit of work, idempotent."""

from __future__ import annotations

from gateway.db import UnitOfWork
from services.permits import outbound


def send_oss_calls(application_id: str, **_: object) -> dict[str, int]:
    """Send the application's pending OSS calls in order (raises while OSS is unreachable: retried)."""
    return outbound.send_pending(UnitOfWork(), application_id=application_id)

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


def file_parking_cash_demand(
    event: str,
    report_id: str,
    resident_id: str,
    description: str,
    lat: float,
    lon: float,
) -> None:
    """parking.cash_demand_reported: a citizen reported an attendant who demanded cash → a confidential
    complaint "parkir_liar" routed to Dishub (once per report)."""
    service.file_referral(
        UnitOfWork(),
        source=event,
        source_id=report_id,
        resident_id=resident_id,
        category_code="parkir_liar",
        description=description,
        lat=lat,
        lon=lon,
    )

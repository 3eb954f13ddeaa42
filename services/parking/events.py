"""The events parking publishes (other services subscribe to them by name, never by import)."""

from __future__ import annotations

from gateway.kernel.modules import Event

# A citizen reported an attendant who demanded cash: complaints files it for Dishub. The fields carry
# what a complaint needs (the report stays in parking, with its photo, for Dishub).
CASH_DEMAND_REPORTED = Event(
    "parking.cash_demand_reported",
    fields=("report_id", "resident_id", "description", "lat", "lon"),
)

EVENTS: tuple[Event, ...] = (CASH_DEMAND_REPORTED,)

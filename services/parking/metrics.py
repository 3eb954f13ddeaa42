"""Prometheus gauges of the latest reconciliation, per zone (set by the nightly job and on demand)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Gauge

LABELS = ["zone"]
DUE = Gauge(
    "parking_due_rupiah",
    "Rupiah due for visits in the last reconciled period",
    LABELS,
    multiprocess_mode="mostrecent",
)
COLLECTED = Gauge(
    "parking_collected_rupiah",
    "Rupiah paid by QRIS in the last reconciled period",
    LABELS,
    multiprocess_mode="mostrecent",
)
UNPAID_SHARE = Gauge(
    "parking_unpaid_share",
    "Share of chargeable visits left unpaid in the last reconciled period",
    LABELS,
    multiprocess_mode="mostrecent",
)
FLAGS = Gauge(
    "parking_leakage_flags",
    "Leakage flags raised for a zone in the last reconciled period",
    LABELS,
    multiprocess_mode="mostrecent",
)


def publish(result: dict[str, Any]) -> None:
    """Set the gauges from a zone-grouped reconciliation."""
    if result["group"] != "zone":
        return
    for row in result["rows"]:
        zone = row["key"]
        DUE.labels(zone).set(row["due"])
        COLLECTED.labels(zone).set(row["collected"])
        UNPAID_SHARE.labels(zone).set(row["unpaid_share"])
        FLAGS.labels(zone).set(len(row["flags"]))

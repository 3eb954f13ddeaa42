"""Parking use cases: zones and tariffs as data, attendants and devices, sessions from the handheld,
who may see a plate, and pseudonymisation after the retention period.

Every function takes a UnitOfWork (not yet entered) and keyword arguments; `principal` is the caller.
"""

from __future__ import annotations

from services.parking.service.access import PARKING_OPD, is_dishub, on_duty, zones_of
from services.parking.service.billing import PURPOSE as PAYMENT_PURPOSE
from services.parking.service.billing import invoice_paid, pay_by_reference, wait_for_payment
from services.parking.service.enforcement import check
from services.parking.service.reading import (
    get_photo,
    get_session,
    list_sessions,
    my_plates,
    pseudonymise,
    receipt,
    register_plate,
    remove_plate,
    verify_receipt,
)
from services.parking.service.reconciliation import as_csv as reconciliation_csv
from services.parking.service.reconciliation import deposit_targets, nightly_runs, run_nightly
from services.parking.service.reconciliation import report as reconcile
from services.parking.service.reports import list_reports, report_cash_demand, report_photo
from services.parking.service.sessions import Start, end_session, start_session, upload_batch
from services.parking.service.staffing import (
    assign,
    end_assignment,
    list_assignments,
    list_devices,
    my_zones,
    register_device,
)
from services.parking.service.subscriptions import buy as buy_subscription
from services.parking.service.subscriptions import mine as my_subscriptions
from services.parking.service.subscriptions import remind_expiring
from services.parking.service.tariffs import add_tariff_version, add_zone_event, event_rates, list_tariffs
from services.parking.service.zones import create_zone, zone_at, zones_geojson

__all__ = [
    "PAYMENT_PURPOSE",
    "buy_subscription",
    "deposit_targets",
    "invoice_paid",
    "my_subscriptions",
    "nightly_runs",
    "pay_by_reference",
    "reconcile",
    "reconciliation_csv",
    "remind_expiring",
    "run_nightly",
    "wait_for_payment",
    "PARKING_OPD",
    "Start",
    "add_tariff_version",
    "add_zone_event",
    "assign",
    "check",
    "create_zone",
    "end_assignment",
    "end_session",
    "event_rates",
    "get_photo",
    "get_session",
    "is_dishub",
    "list_assignments",
    "list_devices",
    "list_sessions",
    "list_tariffs",
    "my_plates",
    "my_zones",
    "on_duty",
    "pseudonymise",
    "receipt",
    "report_cash_demand",
    "report_photo",
    "list_reports",
    "register_device",
    "register_plate",
    "remove_plate",
    "start_session",
    "upload_batch",
    "verify_receipt",
    "zone_at",
    "zones_geojson",
    "zones_of",
]

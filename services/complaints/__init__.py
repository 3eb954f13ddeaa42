"""Complaints: one number on every channel, routed to the right OPD, tracked, escalated, Open311."""

from __future__ import annotations

from types import MappingProxyType

from gateway.kernel.modules import Periodic, Seeders, ServiceModule, Subscription, UrlRule
from services.complaints import jobs, routes, seed
from services.complaints.open311 import formats as open311_formats
from services.complaints.open311 import routes as open311

MODULE = ServiceModule(
    name="complaints",
    blueprints=(routes.blp, routes.inbound_blp, open311.blp),
    jobs=(jobs.notify_event, jobs.sweep, jobs.file_parking_cash_demand),
    # Reminders, escalations, overdue flags and auto-close, each step once.
    periodic=(Periodic(jobs.sweep, every=300),),
    # Parking's "jukir minta tunai" reports become complaints for Dishub (by event name, no import).
    subscriptions=(Subscription("parking.cash_demand_reported", jobs.file_parking_cash_demand),),
    seeders=Seeders(reference=seed.seed_reference, demo=seed.seed_demo),
    # Errors under /open311/ (also before any view matched: odd paths, 405, 413) use the spec's arrays.
    error_renderers=MappingProxyType({"/open311/": open311_formats.error_array}),
    # Anything else under /open311/v2/ is a 404 in the specification's error format, not the API's.
    url_rules=(UrlRule("/open311/v2/<path:_>", "open311_unknown", open311.unknown_path, ("GET", "POST")),),
)

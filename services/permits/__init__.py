"""Permits: local licences linked to OSS-RBA — PIA v4.3 both ways, a working-day clock, fees, permits."""

from __future__ import annotations

from gateway.kernel.modules import Periodic, ServiceModule, Subscription
from services.permits import cli, jobs, routes

MODULE = ServiceModule(
    name="permits",
    blueprints=(routes.blp, routes.oss_blp),
    jobs=(
        jobs.send_oss_calls,
        jobs.sla_sweep,
        jobs.expiry_reminders,
        jobs.reconcile_oss,
        jobs.on_invoice_paid,
        jobs.on_invoice_expired,
    ),
    periodic=(
        Periodic(jobs.sla_sweep, every=300),
        Periodic(jobs.expiry_reminders, every=86400),
        Periodic(jobs.reconcile_oss, every=86400),
    ),
    subscriptions=(
        Subscription("payments.invoice_paid", jobs.on_invoice_paid),
        Subscription("payments.invoice_expired", jobs.on_invoice_expired),
    ),
    commands=(cli.oss_simulator_cmd,),
)

"""Payments: invoices for every rupiah the city collects, dynamic QRIS paid through an acquirer speaking
SNAP BI, and the events other services follow (`payments.invoice_paid` …). Other services import only
`services.payments.api`."""

from __future__ import annotations

from gateway.kernel.modules import Periodic, Seeders, ServiceModule
from services.payments import cli, jobs, routes, seed
from services.payments.events import EVENTS

MODULE = ServiceModule(
    name="payments",
    blueprints=(routes.blp, routes.me_blp, routes.notify_blp),
    jobs=(jobs.expire_invoices, jobs.poll_acquirer, jobs.reconcile_daily),
    periodic=(
        Periodic(jobs.expire_invoices, every=60),
        Periodic(jobs.poll_acquirer, every=60),
        Periodic(jobs.reconcile_daily, every=3600),  # yesterday, once, after local midnight
    ),
    events=EVENTS,
    seeders=Seeders(demo=seed.seed_demo),
    commands=(cli.acquirer_cmd,),
)

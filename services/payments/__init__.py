"""Payments: invoices for every rupiah the city collects, dynamic QRIS, and the events other services
follow (`payments.invoice_paid` …). Other services import only `services.payments.api`."""

from __future__ import annotations

from gateway.kernel.modules import Periodic, ServiceModule
from services.payments import jobs, routes
from services.payments.events import EVENTS

MODULE = ServiceModule(
    name="payments",
    blueprints=(routes.blp, routes.me_blp),
    jobs=(jobs.expire_invoices,),
    periodic=(Periodic(jobs.expire_invoices, every=60),),
    events=EVENTS,
)

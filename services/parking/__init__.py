"""Parking: cashless on-street parking retribution — zones and tariffs, attendants' handhelds, sessions."""

from __future__ import annotations

from gateway.kernel.modules import Periodic, Seeders, ServiceModule, Subscription
from services.parking import jobs, routes, seed
from services.parking.events import EVENTS

MODULE = ServiceModule(
    name="parking",
    blueprints=(routes.blp,),
    jobs=(jobs.pseudonymise, jobs.on_invoice_paid, jobs.reconcile_nightly, jobs.remind_subscriptions),
    periodic=(
        Periodic(jobs.pseudonymise, every=3600),  # plates and photos past the retention; statistics stay
        Periodic(jobs.reconcile_nightly, every=3600),  # yesterday, once, after local midnight
        Periodic(jobs.remind_subscriptions, every=3600),
    ),
    events=EVENTS,
    # A visit is paid, a subscription starts, only when payments says the money arrived.
    subscriptions=(Subscription("payments.invoice_paid", jobs.on_invoice_paid),),
    seeders=Seeders(reference=seed.seed_reference, demo=seed.seed_demo),
)

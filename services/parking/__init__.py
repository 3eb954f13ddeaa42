"""Parking: cashless on-street parking retribution — zones and tariffs, attendants' handhelds, sessions."""

from __future__ import annotations

from gateway.kernel.modules import Periodic, Seeders, ServiceModule
from services.parking import jobs, routes, seed
from services.parking.events import EVENTS

MODULE = ServiceModule(
    name="parking",
    blueprints=(routes.blp,),
    jobs=(jobs.pseudonymise,),
    # Plates and photos older than the retention are emptied; statistics stay.
    periodic=(Periodic(jobs.pseudonymise, every=3600),),
    events=EVENTS,
    seeders=Seeders(reference=seed.seed_reference, demo=seed.seed_demo),
)

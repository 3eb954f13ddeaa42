"""Adminduk (population administration): births and deaths reported at the source, civil documents online."""

from __future__ import annotations

from gateway.kernel.modules import ServiceModule
from services.adminduk import application_jobs, application_routes, jobs, routes
from services.adminduk.events import EVENTS

MODULE = ServiceModule(
    name="adminduk",
    blueprints=(routes.blp, application_routes.blp),
    jobs=(
        jobs.birth_registered,
        jobs.birth_rejected,
        jobs.birth_documents_reissued,
        jobs.correction_decided,
        jobs.death_registered,
        application_jobs.notify_step,
    ),
    events=EVENTS,
)

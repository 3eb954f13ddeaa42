"""Adminduk (population administration): births and deaths reported at the source, civil documents online."""

from __future__ import annotations

from types import MappingProxyType

from gateway.kernel.modules import ServiceModule
from services.adminduk import routes
from services.adminduk.applications import jobs as applications_jobs
from services.adminduk.applications import routes as applications_routes
from services.adminduk.births import jobs as births_jobs
from services.adminduk.births import routes as births_routes
from services.adminduk.corrections import jobs as corrections_jobs
from services.adminduk.deaths import jobs as deaths_jobs
from services.adminduk.events import EVENTS

MODULE = ServiceModule(
    name="adminduk",
    blueprints=(routes.blp, applications_routes.blp),
    jobs=(
        births_jobs.birth_registered,
        births_jobs.birth_rejected,
        births_jobs.birth_documents_reissued,
        corrections_jobs.correction_decided,
        deaths_jobs.death_registered,
        applications_jobs.notify_step,
    ),
    events=EVENTS,
    error_renderers=MappingProxyType({"/api/v1/adminduk/fhir/": births_routes.fhir_error_renderer}),
)

"""Adminduk (population administration): births and deaths reported at the source, civil documents online."""

from __future__ import annotations

from gateway.extensions import Api


def register(api: Api) -> None:
    from services.adminduk import models  # noqa: F401 - the tables
    from services.adminduk.routes import blp

    api.register_blueprint(blp)
    from services.adminduk.application_routes import blp as applications_blp

    api.register_blueprint(applications_blp)

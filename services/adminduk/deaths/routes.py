"""Death reports and their decisions."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import ErrorSchema, create_limit
from services.adminduk.blueprint import blp, decision_views
from services.adminduk.deaths import schemas as s
from services.adminduk.deaths import service


@blp.route("/adminduk/deaths")
class Deaths(MethodView):
    decorators = [create_limit()]

    @blp.auth("client", "citizen", "counter", scopes=("deaths:write",))
    @blp.arguments(s.DeathReportSchema)
    @blp.response(201, s.DeathSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Already reported or already deceased")
    @blp.alt_response(422, schema=ErrorSchema, description="A rule refused the report; nothing was written")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Report a death: hospitals (registered at once) or a family member on the same KK (reviewed)"""
        return service.report_death(UnitOfWork(), principal=current_principal(), report=data)


@blp.route("/adminduk/deaths/<death_id>")
class DeathDetail(MethodView):
    @blp.auth("client", "citizen", "officer", "counter")
    @blp.response(200, s.DeathSchema)
    def get(self, death_id: str) -> dict[str, Any]:
        """A death registration: state, transitions and document links"""
        return service.get_death(UnitOfWork(), principal=current_principal(), death_id=death_id)


decision_views(
    "/adminduk/deaths/<death_id>",
    "Death",
    response=s.DeathSchema,
    decide=service.decide_death,
    approve="Approve a family's death report: the death is registered now",
    reject="Reject a family's death report, with the reason",
)

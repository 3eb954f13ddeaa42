"""Correction requests and their decisions."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import create_limit
from gateway.kernel.paging import paged
from services.adminduk.blueprint import blp, decision_views
from services.adminduk.corrections import schemas as s
from services.adminduk.corrections import service


@blp.route("/adminduk/corrections")
class Corrections(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen", "counter")
    @blp.arguments(s.CorrectionCreateSchema)
    @blp.response(201, s.CorrectionSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Ask for a correction of the name or birth date on an akta kelahiran, with a supporting document"""
        principal = current_principal()
        correction = service.submit_correction(UnitOfWork(), principal=principal, data=data)
        return service.get_correction(UnitOfWork(), principal=principal, correction_id=correction.id)

    @blp.auth("officer")
    @blp.arguments(s.CorrectionArgsSchema, location="query")
    @blp.response(200, s.CorrectionSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Correction requests in a state, oldest first (Disdukcapil officers)"""
        return paged(pagination_parameters, service.list_corrections, state=args["state"])


@blp.route("/adminduk/corrections/<correction_id>")
class CorrectionDetail(MethodView):
    @blp.auth("citizen", "counter", "officer")
    @blp.response(200, s.CorrectionSchema)
    def get(self, correction_id: str) -> dict[str, Any]:
        """A correction request and its transitions (the requester, Disdukcapil officers)"""
        return service.get_correction(
            UnitOfWork(), principal=current_principal(), correction_id=correction_id
        )


@blp.route("/adminduk/corrections/<correction_id>/attachment")
class CorrectionAttachment(MethodView):
    @blp.auth("citizen", "counter", "officer")
    @blp.response(200, description="The supporting document as uploaded")
    def get(self, correction_id: str) -> Response:
        """Download the supporting document of a correction request"""
        data, content_type = service.correction_attachment(
            UnitOfWork(), principal=current_principal(), correction_id=correction_id
        )
        return Response(data, content_type=content_type, headers={"Cache-Control": "no-store"})


decision_views(
    "/adminduk/corrections/<correction_id>",
    "Correction",
    response=s.CorrectionSchema,
    decide=service.decide_correction,
    approve="Approve a correction: the registry is corrected and new document versions issued",
    reject="Reject a correction request, with the reason",
)

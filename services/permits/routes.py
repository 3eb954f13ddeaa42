"""Permit endpoints: the catalogue, OSS's pushes (PIA v4.3), and the staff view of OSS traffic."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import Blueprint
from services.permits import catalogue, intake, oss, outbound, service
from services.permits import schemas as s
from services.permits.errors import UnknownPermitType

blp = Blueprint(
    "permits",
    __name__,
    url_prefix="/api/v1/permits",
    description="Local permits linked to OSS-RBA: catalogue, applications, permits, verification",
)
oss_blp = Blueprint(
    "permits_oss",
    __name__,
    url_prefix="/api/v1/permits/oss",
    description="The OSS-RBA integration (PIA v4.3): OSS's pushes to us and our calls to OSS",
)

PIA_RESPONSES = {
    code: {"description": text, "content": {"application/json": {"schema": s.PiaAnswerSchema}}}
    for code, text in (
        (200, 'Accepted ("1"), also for a repeat of a push already taken'),
        (400, 'Malformed push ("2"): NIB, KBLI or another field'),
        (401, 'Bad Token header ("2")'),
        (404, 'Unknown id_izin ("2", receiveFileDS)'),
        (422, 'Refused ("2"): unknown kd_izin, checklist of another region or authority'),
    )
}


def _pia(outcome: intake.Outcome) -> Response:
    response = jsonify(outcome.body)
    response.status_code = outcome.http_status
    return response


@oss_blp.route("/receiveNIB")
class ReceiveNib(MethodView):
    @oss_blp.public
    @oss_blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": oss.ReceiveNibSchema}}},
        parameters=[
            {
                "in": "header",
                "name": "Token",
                "required": True,
                "schema": {"type": "string"},
                "description": "SHA1(username + password + nib + Ymd), hex",
            }
        ],
        responses=PIA_RESPONSES,
    )
    def post(self) -> Response:
        """OSS pushes a NIB with its checklist (answer in the PIA's responreceiveNIB shape)"""
        outcome = intake.receive_nib(
            token=request.headers.get("Token"), payload=request.get_json(silent=True)
        )
        return _pia(outcome)


@oss_blp.route("/receiveFileDS")
class ReceiveFileDs(MethodView):
    @oss_blp.public
    @oss_blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": oss.ReceiveFileDsSchema}}},
        parameters=[{"in": "header", "name": "Token", "required": True, "schema": {"type": "string"}}],
        responses=PIA_RESPONSES,
    )
    def post(self) -> Response:
        """OSS pushes the signed file of a checklist item"""
        outcome = intake.receive_file_ds(
            token=request.headers.get("Token"), payload=request.get_json(silent=True)
        )
        return _pia(outcome)


@oss_blp.route("/calls")
class OssCalls(MethodView):
    @oss_blp.auth("officer", "admin")
    @oss_blp.arguments(s.OssCallQuerySchema, location="query")
    @oss_blp.response(200, s.OssCallSchema(many=True))
    @oss_blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Our calls to OSS, newest first; `state=refused` or `failed` lists what needs a fix (DPMPTSP)"""
        rows, total = outbound.list_calls(
            UnitOfWork(),
            principal=current_principal(),
            state=args.get("state"),
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
        )
        pagination_parameters.item_count = total
        return rows


@oss_blp.route("/calls/<call_id>/retry")
class OssCallRetry(MethodView):
    @oss_blp.auth("officer", "admin")
    @oss_blp.arguments(s.OssCallRetrySchema)
    @oss_blp.response(200, s.OssCallSchema)
    def post(self, data: dict[str, Any], call_id: str) -> Any:
        """Send a refused or failed call again, optionally with corrected fields (DPMPTSP officers, admins)"""
        return outbound.retry_call(
            UnitOfWork(), principal=current_principal(), call_id=call_id, fields=data.get("fields")
        )


@oss_blp.route("/inbound")
class OssInboundLog(MethodView):
    @oss_blp.auth("officer", "admin")
    @oss_blp.arguments(s.OssInboundQuerySchema, location="query")
    @oss_blp.response(200, s.OssInboundSchema(many=True))
    @oss_blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """Every push OSS made, accepted or refused, with our answer (DPMPTSP officers, admins)"""
        rows, total = service.inbound_log(
            UnitOfWork(),
            principal=current_principal(),
            outcome=args.get("outcome"),
            nib=args.get("nib"),
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/types")
class PermitTypes(MethodView):
    @blp.public
    @blp.response(200, s.PermitTypeSchema(many=True))
    def get(self) -> list:
        """The permit catalogue: OSS kd_izin, risk, documents, steps and deadlines, fee formula, validity"""
        return [catalogue.describe(t) for t in catalogue.all_types()]


@blp.route("/types/<code>/fee")
class FeeQuote(MethodView):
    @blp.public
    @blp.arguments(s.FeeQuoteArgsSchema)
    @blp.response(200, s.FeeQuoteSchema)
    def post(self, data: dict[str, Any], code: str) -> dict[str, Any]:
        """What the retribusi would be for this data (the same formula the application uses)"""
        permit_type = catalogue.get(code)
        if permit_type is None:
            raise UnknownPermitType(f"No permit type {code}")
        return {"permit_type": code, "amount": service.quote(permit_type, data["data"])}

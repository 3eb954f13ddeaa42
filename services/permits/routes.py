"""Permit endpoints: the catalogue, OSS's pushes (PIA v4.3), and the staff view of OSS traffic."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import Blueprint, ErrorSchema, create_limit
from gateway.kernel.etags import check_if_match, if_match_sent
from services.permits import applications, catalogue, intake, nibs, oss, outbound, service
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


@oss_blp.route("/nib")
class OssNibInquiry(MethodView):
    @oss_blp.auth("officer", "admin")
    @oss_blp.arguments(s.BusinessLinkSchema, location="query")
    @oss_blp.response(200, s.BusinessSchema)
    @oss_blp.alt_response(404, schema=ErrorSchema, description="OSS has no business with this NIB")
    @oss_blp.alt_response(503, schema=ErrorSchema, description="OSS did not answer (or answered nonsense)")
    def get(self, args: dict[str, Any]) -> Any:
        """Ask OSS for a NIB now (inqueryNIB); our copy of the business is refreshed (DPMPTSP, admins)"""
        return nibs.check(UnitOfWork(), principal=current_principal(), nib=args["nib"])


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


# ---- businesses and applications ----------------------------------------------------------------------

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "optional: the ETag of the application as you last read it (else 412)",
}
NOT_FOUND = {"schema": ErrorSchema, "description": "No such application, or not one you may see"}


def _expected_version(application_id: str) -> int | None:
    """The version an If-Match names, checked against the caller's current view (None without one)."""
    if not if_match_sent():
        return None
    current = applications.get(
        UnitOfWork(), principal=current_principal(), application_id=application_id, audited=False
    )
    check_if_match(blp, current, s.PermitApplicationSchema, what="application")
    return current["version"]


@blp.route("/businesses")
class Businesses(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen", "counter")
    @blp.response(200, s.BusinessSchema(many=True))
    def get(self) -> list:
        """The businesses (NIBs) linked to me (the counter: X-On-Behalf-Of)"""
        return applications.my_businesses(UnitOfWork(), principal=current_principal())

    @blp.auth("citizen", "counter")
    @blp.arguments(s.BusinessLinkSchema)
    @blp.response(200, s.BusinessSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No NIB from OSS names you as responsible")
    @blp.alt_response(409, schema=ErrorSchema, description="Linked to another account")
    @blp.alt_response(503, schema=ErrorSchema, description="OSS did not answer the NIB inquiry: try again later")
    def post(self, data: dict[str, Any]) -> Any:
        """Link my NIB: OSS must name me (my NIK) as the person responsible"""
        return applications.link_business(UnitOfWork(), principal=current_principal(), nib=data["nib"])


@blp.route("/applications")
class Applications(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen", "counter")
    @blp.arguments(s.PermitApplicationCreateSchema)
    @blp.etag
    @blp.response(201, s.PermitApplicationSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No business of yours has this NIB")
    @blp.alt_response(422, schema=ErrorSchema, description="Unknown permit type or invalid data")
    def post(self, data: dict[str, Any]) -> Any:
        """File an application for one of my businesses (the counter: for the owner present, audited)"""
        return applications.create(UnitOfWork(), principal=current_principal(), data=data)

    @blp.auth("officer", "admin")
    @blp.arguments(s.PermitQueueArgsSchema, location="query")
    @blp.response(200, s.PermitQueueItemSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """The queue of my OPD (DPMPTSP: all), overdue first, then by step deadline"""
        rows, total = service.queue(
            UnitOfWork(),
            principal=current_principal(),
            args=args,
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/mine")
class Mine(MethodView):
    @blp.auth("citizen", "counter")
    @blp.response(200, s.MyPermitsSchema)
    def get(self) -> Any:
        """My permits and applications, by the NIBs linked to me"""
        return service.mine(UnitOfWork(), principal=current_principal())


@blp.route("/applications/<application_id>")
class ApplicationDetail(MethodView):
    @blp.auth("citizen", "counter", "officer", "admin")
    @blp.etag
    @blp.response(200, s.PermitApplicationSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, application_id: str) -> Any:
        """An application: data, documents, the clock with every pause and its reason, history, actions"""
        return applications.get(UnitOfWork(), principal=current_principal(), application_id=application_id)

    @blp.auth("citizen", "counter")
    @blp.arguments(s.PermitDataPatchSchema)
    @blp.etag
    @blp.response(200, s.PermitApplicationSchema)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="Not being completed or corrected")
    @blp.alt_response(412, schema=ErrorSchema, description="If-Match does not match")
    def patch(self, data: dict[str, Any], application_id: str) -> Any:
        """Set the permit type's fields while completing or correcting (If-Match required)"""
        current = applications.get(
            UnitOfWork(), principal=current_principal(), application_id=application_id, audited=False
        )
        check_if_match(blp, current, s.PermitApplicationSchema, what="application")
        return applications.update_data(
            UnitOfWork(),
            principal=current_principal(),
            application_id=application_id,
            data=data["data"],
            expected_version=current["version"],
        )


@blp.route("/applications/<application_id>/documents")
class ApplicationDocuments(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.PermitDocumentUploadSchema)
    @blp.etag
    @blp.response(201, s.PermitApplicationSchema)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="Not being completed or corrected")
    @blp.alt_response(422, schema=ErrorSchema, description="Not a document of this type, or a bad file")
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Upload a required document (type, size and magic bytes checked; replaces an earlier one)"""
        return applications.upload(
            UnitOfWork(), principal=current_principal(), application_id=application_id, doc=data
        )


@blp.route("/applications/<application_id>/documents/<upload_id>")
class ApplicationDocument(MethodView):
    @blp.auth("citizen", "counter", "officer", "admin")
    @blp.response(200, description="The file as uploaded")
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, application_id: str, upload_id: str) -> Response:
        """Download an uploaded document (the applicant; officers working it, audited)"""
        row = applications.document(
            UnitOfWork(), principal=current_principal(), application_id=application_id, upload_id=upload_id
        )
        response = Response(row.content, mimetype=row.content_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{row.id}"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/applications/<application_id>/actions")
class ApplicationActions(MethodView):
    @blp.auth("citizen", "counter", "officer", "admin")
    @blp.arguments(s.PermitActionSchema)
    @blp.etag
    @blp.response(200, s.PermitApplicationSchema)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="Not possible in this state (invalid_transition)")
    @blp.alt_response(412, schema=ErrorSchema, description="If-Match does not match")
    @blp.alt_response(422, schema=ErrorSchema, description="Requirements missing, or no reason given")
    @blp.doc(parameters=[IF_MATCH])
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Act on an application: submit, request/answer a correction, complete a step, approve, reject"""
        return applications.act(
            UnitOfWork(),
            principal=current_principal(),
            application_id=application_id,
            action=data["action"],
            note=data.get("note"),
            expected_version=_expected_version(application_id),
        )


@blp.route("/register")
class Register(MethodView):
    @blp.public
    @blp.arguments(s.PermitRegisterArgsSchema, location="query")
    @blp.response(200, s.PermitRegisterItemSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """The public register of issued permits (business, type, number, dates, status; no personal data)"""
        rows, total = service.register(
            UnitOfWork(),
            args=args,
            limit=pagination_parameters.page_size,
            offset=pagination_parameters.first_item,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/files/<token>")
class PermitFile(MethodView):
    @blp.public
    @blp.response(200, description="The signed permit PDF", content_type="application/pdf")
    @blp.alt_response(404, schema=ErrorSchema, description="Not a genuine link")
    @blp.alt_response(409, schema=ErrorSchema, description="Still being signed (document_not_ready)")
    def get(self, token: str) -> Response:
        """The signed PDF behind OSS's file_izin link (the token in the link is signed)"""
        filename, pdf = service.permit_file(UnitOfWork(), token=token)
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


@blp.route("/permits/<permit_id>/status")
class PermitStatus(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.PermitStatusSchema)
    @blp.response(200, s.PermitLinkSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such permit")
    @blp.alt_response(409, schema=ErrorSchema, description="Revoked already")
    def post(self, data: dict[str, Any], permit_id: str) -> Any:
        """Warn (60), suspend (70) or revoke (80) a permit: shown on its verification page, told to OSS"""
        return service.set_permit_status(
            UnitOfWork(),
            principal=current_principal(),
            permit_id=permit_id,
            kd_status=data["kd_status"],
            note=data["note"],
        )

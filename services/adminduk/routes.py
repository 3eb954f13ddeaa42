"""Adminduk endpoints: hospital intake (JSON and FHIR), registrations, reviews, corrections, my documents."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.errors import ServiceError
from gateway.extensions import Blueprint, ErrorSchema
from services.adminduk import fhir, service
from services.adminduk import schemas as s
from services.adminduk.errors import ReportRejected

blp = Blueprint(
    "adminduk",
    __name__,
    url_prefix="/api/v1",
    description="Population administration: births, deaths, civil documents (Disdukcapil)",
)


def _decision_views(
    base: str,
    name: str,
    *,
    response: type[ma.Schema],
    decide: Callable[..., dict[str, Any]],
    approve: str,
    reject: str,
) -> None:
    """Register POST `base`/approve and `base`/reject (views `name`Approve and `name`Reject, with the
    summaries `approve` and `reject`): an officer decides, with a reason, through `decide`. The URL's
    id (birth_id, death_id, correction_id) is passed on to `decide` under its own name."""

    def register(action: str, summary: str) -> None:
        def post(self: MethodView, data: dict[str, Any], **ids: str) -> dict[str, Any]:
            return decide(
                UnitOfWork(),
                principal=current_principal(),
                approve=action == "approve",
                reason=data["reason"],
                **ids,
            )

        post.__doc__ = summary
        view = blp.auth("officer")(blp.arguments(s.DecisionSchema)(blp.response(200, response)(post)))
        blp.route(f"{base}/{action}")(type(f"{name}{action.capitalize()}", (MethodView,), {"post": view}))

    register("approve", approve)
    register("reject", reject)


FHIR_ISSUE_CODE = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    409: "duplicate",
    422: "business-rule",
}


def _fhir_response(
    status: int, issues: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> Response:
    response = Response(
        json.dumps(fhir.operation_outcome(issues), ensure_ascii=False),
        status=status,
        content_type=fhir.CONTENT_TYPE,
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def fhir_errors(func: Callable) -> Callable:
    """Answer every error of a FHIR endpoint as an OperationOutcome (application/fhir+json)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReportRejected as err:
            return _fhir_response(err.code, fhir.problem_issues(err.problems, FHIR_ISSUE_CODE))
        except ServiceError as err:
            diagnostics = f"{err.reason}: {err.message}"
            if err.extra.get("existing_id"):
                diagnostics += f" (existing registration {err.extra['existing_id']})"
            return _fhir_response(
                err.code, [fhir.issue(FHIR_ISSUE_CODE.get(err.code, "processing"), diagnostics)]
            )
        except HTTPException as err:  # malformed JSON or a body that is no JSON object
            messages = (getattr(err, "data", None) or {}).get("messages") or {}
            issues = [
                fhir.issue("structure", f"{field}: {msgs}")
                for location in messages.values()
                for field, msgs in (location.items() if isinstance(location, dict) else [])
            ] or [fhir.issue("structure", err.description or "Malformed request")]
            return _fhir_response(err.code or 400, issues)

    return wrapper


# ---- births ---------------------------------------------------------------------------------------------


@blp.route("/adminduk/births")
class Births(MethodView):
    @blp.auth("client", scopes=("births:write",))
    @blp.arguments(s.BirthReportSchema)
    @blp.response(201, s.BirthSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Already reported (existing_id in the body)")
    @blp.alt_response(422, schema=ErrorSchema, description="A rule refused the report; nothing was written")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Report a birth (hospital systems; Idempotency-Key required)"""
        return service.report_birth(UnitOfWork(), principal=current_principal(), report=data, source="json")

    @blp.auth("client", "officer")
    @blp.arguments(s.BirthListArgsSchema, location="query")
    @blp.response(200, s.BirthSummarySchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[Any]:
        """Birth reports, newest first: a hospital's own (e.g. by its reference), or all (Disdukcapil)"""
        items, total = service.list_births(
            UnitOfWork(),
            principal=current_principal(),
            state=args.get("state"),
            hospital_reference=args.get("hospital_reference"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return items


@blp.route("/adminduk/fhir/Bundle")
class FhirBundle(MethodView):
    @fhir_errors
    @blp.auth("client", scopes=("births:write",))
    @blp.arguments(s.FhirBundleSchema, content_type="application/fhir+json")
    @blp.response(201, s.BirthSchema)
    @blp.alt_response(
        422, description="A FHIR OperationOutcome listing every problem (application/fhir+json)"
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Report a birth as an HL7 FHIR R4 Bundle (newborn and mother Patient, RelatedPerson, Encounter, weight)"""
        report, issues = fhir.parse_bundle(data)
        if report is None:
            return _fhir_response(422, issues)
        try:
            return service.report_birth(
                UnitOfWork(), principal=current_principal(), report=report, source="fhir"
            )
        except ReportRejected as err:  # each issue points at the entry the rule is about
            issues = fhir.problem_issues(err.problems, FHIR_ISSUE_CODE, report["fhir_paths"])
            return _fhir_response(err.code, issues)


@blp.route("/adminduk/births/<birth_id>")
class BirthDetail(MethodView):
    @blp.auth("client", "citizen", "officer", "counter")
    @blp.response(200, s.BirthSchema)
    def get(self, birth_id: str) -> dict[str, Any]:
        """A birth registration: state, transitions and document links"""
        return service.get_birth(UnitOfWork(), principal=current_principal(), birth_id=birth_id)


@blp.route("/adminduk/births/<birth_id>/name")
class BirthName(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.NameChildSchema)
    @blp.response(200, s.BirthSchema)
    def post(self, data: dict[str, Any], birth_id: str) -> dict[str, Any]:
        """Name a child registered without a name (a parent); new akta, KIA and KK versions are issued"""
        return service.name_child(
            UnitOfWork(), principal=current_principal(), birth_id=birth_id, name=data["name"]
        )


_decision_views(
    "/adminduk/births/<birth_id>",
    "Birth",
    response=s.BirthSchema,
    decide=service.decide_birth,
    approve="Approve a birth report held for review: it is registered now (Disdukcapil officers)",
    reject="Reject a birth report held for review, with the reason (Disdukcapil officers)",
)


# ---- reviews --------------------------------------------------------------------------------------------


@blp.route("/adminduk/reviews")
class Reviews(MethodView):
    @blp.auth("officer")
    @blp.arguments(s.ReviewArgsSchema, location="query")
    @blp.response(200, s.ReviewItemSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """The review queue of birth and death reports, oldest first (Disdukcapil officers)"""
        items, total = service.list_reviews(
            UnitOfWork(),
            principal=current_principal(),
            state=args["state"],
            kind=args.get("kind"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return items


# ---- my documents ---------------------------------------------------------------------------------------


@blp.route("/me/documents")
class MyDocuments(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.MyDocumentsArgsSchema, location="query")
    @blp.response(200, s.DocumentLinkSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """My documents and my children's (every version), with PDF and verification links"""
        return service.my_documents(UnitOfWork(), principal=current_principal(), status=args.get("status"))


# ---- corrections ----------------------------------------------------------------------------------------


@blp.route("/adminduk/corrections")
class Corrections(MethodView):
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
        items, total = service.list_corrections(
            UnitOfWork(),
            principal=current_principal(),
            state=args["state"],
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return items


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


_decision_views(
    "/adminduk/corrections/<correction_id>",
    "Correction",
    response=s.CorrectionSchema,
    decide=service.decide_correction,
    approve="Approve a correction: the registry is corrected and new document versions issued",
    reject="Reject a correction request, with the reason",
)


# ---- deaths ---------------------------------------------------------------------------------------------


@blp.route("/adminduk/deaths")
class Deaths(MethodView):
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


_decision_views(
    "/adminduk/deaths/<death_id>",
    "Death",
    response=s.DeathSchema,
    decide=service.decide_death,
    approve="Approve a family's death report: the death is registered now",
    reject="Reject a family's death report, with the reason",
)

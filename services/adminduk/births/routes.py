"""Births: hospital intake (JSON and HL7 FHIR), reading, naming, officers' decisions."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.errors import ServiceError
from gateway.extensions import ErrorSchema
from gateway.kernel.paging import paged
from services.adminduk.adapters import fhir
from services.adminduk.births import schemas as s
from services.adminduk.births import service
from services.adminduk.blueprint import blp, decision_views
from services.adminduk.errors import ReportRejected

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


OPERATION_OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {"type": "array", "items": {"type": "object"}},
    },
}


def fhir_error_renderer(
    code: int, message: str, errors: Any = None, headers: dict[str, str] | None = None
) -> Response:
    """Errors raised before the FHIR view runs (the edge's input guard, 405, 413) as an OperationOutcome,
    like the view's own."""
    issues = [fhir.issue(FHIR_ISSUE_CODE.get(code, "invalid"), message)]
    for location in (errors or {}).values():
        for field, problems in (location.items() if isinstance(location, dict) else []):
            issues.append(fhir.issue("value", f"{field}: {problems}"))
    return _fhir_response(code, issues, headers)


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

    # Documented: errors of this view are OperationOutcomes (gateway.openapi adds them to each error).
    return blp.doc(**{"x-error-content": {fhir.CONTENT_TYPE: {"schema": OPERATION_OUTCOME}}})(wrapper)


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
        return paged(
            pagination_parameters,
            service.list_births,
            state=args.get("state"),
            hospital_reference=args.get("hospital_reference"),
        )


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


decision_views(
    "/adminduk/births/<birth_id>",
    "Birth",
    response=s.BirthSchema,
    decide=service.decide_birth,
    approve="Approve a birth report held for review: it is registered now (Disdukcapil officers)",
    reject="Reject a birth report held for review, with the reason (Disdukcapil officers)",
)

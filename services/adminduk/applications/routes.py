"""Endpoints of the online applications: citizens file and follow them, Disdukcapil officers work them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import Blueprint, ErrorSchema, create_limit
from gateway.kernel.etags import check_if_match, if_match_sent
from gateway.kernel.paging import paged
from services.adminduk.applications import schemas as s
from services.adminduk.applications import service

blp = Blueprint(
    "adminduk_applications",
    __name__,
    url_prefix="/api/v1/adminduk/applications",
    description="Applications online: KK changes, reprints of lost documents, moving out (free of charge)",
)

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "optional: the ETag of the application as you last read it (else 412)",
}


def _not_found(description: str = "Not yours to see, or not an officer of Disdukcapil") -> Any:
    return blp.alt_response(404, schema=ErrorSchema, description=description)


def _expected_version(application_id: str) -> int | None:
    """The version an If-Match names, checked against the officer's current view (None without one)."""
    if not if_match_sent():
        return None
    current = service.view_for_update(
        UnitOfWork(), principal=current_principal(), application_id=application_id
    )
    check_if_match(blp, current, s.ApplicationSchema, what="application")
    return current["version"]


@blp.route("")
class Applications(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen", "counter")
    @blp.arguments(s.ApplicationCreateSchema)
    @blp.etag
    @blp.response(201, s.ApplicationSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="The person or document is not of your family")
    @blp.alt_response(409, schema=ErrorSchema, description="An application for this is already open")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid data or attachment; nothing was written")
    def post(self, data: dict[str, Any]) -> Any:
        """File an application: KK change, reprint of a lost document or moving out (counter: X-On-Behalf-Of)"""
        return service.submit(UnitOfWork(), principal=current_principal(), data=data)

    @blp.auth("citizen", "counter")
    @blp.arguments(s.MyApplicationsArgsSchema, location="query")
    @blp.response(200, s.ApplicationSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """My applications and those about me, newest first"""
        return paged(pagination_parameters, service.mine, state=args.get("state"))


@blp.route("/queue")
class Queue(MethodView):
    @blp.auth("officer")
    @_not_found()
    @blp.arguments(s.ApplicationQueueArgsSchema, location="query")
    @blp.response(200, s.ApplicationQueueItemSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Disdukcapil's queue by state, type and age, oldest first (officers of Disdukcapil)"""
        return paged(
            pagination_parameters,
            service.queue,
            state=args.get("state"),
            kind=args.get("kind"),
            sub_kind=args.get("sub_kind"),
            older_than_days=args.get("older_than_days"),
            overdue=args.get("overdue"),
        )


@blp.route("/<application_id>")
class ApplicationDetail(MethodView):
    @blp.auth("citizen", "counter", "officer")
    @_not_found()
    @blp.arguments(s.ApplicationEmptyArgsSchema, location="query")
    @blp.etag
    @blp.response(200, s.ApplicationSchema)
    def get(self, _args: dict[str, Any], application_id: str) -> Any:
        """An application: state, SLA deadline, attachments, steps and resulting documents (ETag)"""
        return service.get(UnitOfWork(), principal=current_principal(), application_id=application_id)


@blp.route("/<application_id>/attachments/<attachment_id>")
class ApplicationAttachment(MethodView):
    @blp.auth("citizen", "counter", "officer")
    @_not_found()
    @blp.arguments(s.ApplicationEmptyArgsSchema, location="query")
    @blp.response(200, description="The file as uploaded")
    def get(self, _args: dict[str, Any], application_id: str, attachment_id: str) -> Response:
        """Download an attachment of an application"""
        data, content_type, _name = service.attachment(
            UnitOfWork(),
            principal=current_principal(),
            application_id=application_id,
            attachment_id=attachment_id,
        )
        return Response(data, content_type=content_type, headers={"Cache-Control": "no-store"})


@blp.route("/<application_id>/resubmit")
class Resubmit(MethodView):
    @blp.auth("citizen", "counter")
    @_not_found()
    @blp.arguments(s.ApplicationResubmitSchema)
    @blp.etag
    @blp.response(200, s.ApplicationSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Not waiting for a correction")
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Send a corrected application back (corrected data and/or replacement files)"""
        return service.resubmit(
            UnitOfWork(), principal=current_principal(), application_id=application_id, data=data
        )


@blp.route("/<application_id>/cancel")
class Cancel(MethodView):
    @blp.auth("citizen", "counter")
    @_not_found()
    @blp.arguments(s.ApplicationCancelSchema)
    @blp.etag
    @blp.response(200, s.ApplicationSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Already decided")
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Withdraw an application that is not decided yet"""
        return service.cancel(
            UnitOfWork(),
            principal=current_principal(),
            application_id=application_id,
            reason=data.get("reason"),
        )


def _officer_action(args_schema: type, *refusals: tuple[int, str]) -> Callable[[Any], Any]:
    """The decorators every officer step shares: one place states who may call it, the optional
    If-Match and the answers it documents, so the steps cannot drift apart."""

    def decorate(view: Any) -> Any:
        view = blp.doc(parameters=[IF_MATCH])(view)
        for status, description in reversed((*refusals, (412, "If-Match does not match"))):
            view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
        view = blp.response(200, s.ApplicationSchema)(view)
        view = blp.etag(view)
        view = blp.arguments(args_schema)(view)
        view = _not_found()(view)
        return blp.auth("officer")(view)

    return decorate


def _act(step: Callable[..., Any], application_id: str, **fields: Any) -> Any:
    """Run one officer step on the application, guarded by the If-Match the officer sent."""
    return step(
        UnitOfWork(),
        principal=current_principal(),
        application_id=application_id,
        expected_version=_expected_version(application_id),
        **fields,
    )


NOT_WITH_OFFICE = (409, "Not with the office")


@blp.route("/<application_id>/review")
class Review(MethodView):
    @_officer_action(s.ApplicationReviewSchema, (409, "Not submitted"))
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Take a submitted application into review (officers of Disdukcapil)"""
        return _act(service.start_review, application_id, note=data.get("note"))


@blp.route("/<application_id>/notes")
class Notes(MethodView):
    @_officer_action(s.ApplicationNoteSchema)
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Add a note: internal, or shown and sent to the citizen (officers of Disdukcapil)"""
        return _act(
            service.add_note,
            application_id,
            note=data["note"],
            visible_to_citizen=data["visible_to_citizen"],
        )


@blp.route("/<application_id>/request-correction")
class RequestCorrection(MethodView):
    @_officer_action(s.ApplicationCorrectionRequestSchema, NOT_WITH_OFFICE)
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Send the application back to the citizen with what to correct (officers of Disdukcapil)"""
        return _act(service.request_correction, application_id, note=data["note"])


@blp.route("/<application_id>/approve")
class Approve(MethodView):
    @_officer_action(
        s.ApplicationApproveSchema,
        NOT_WITH_OFFICE,
        (422, "The registry no longer allows the change"),
    )
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Approve: the registry is changed and new document versions issued, in one transaction"""
        return _act(service.approve, application_id, note=data.get("note"))


@blp.route("/<application_id>/reject")
class Reject(MethodView):
    @_officer_action(s.ApplicationRejectSchema, NOT_WITH_OFFICE)
    def post(self, data: dict[str, Any], application_id: str) -> Any:
        """Reject, with the reason the citizen is told (officers of Disdukcapil)"""
        return _act(service.reject, application_id, reason=data["reason"])

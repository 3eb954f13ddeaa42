"""Complaint endpoints: intake (app, counter, call centre, SMS webhook), the public view, officers'
queue and workflow (with ETags), citizens' follow / confirm / reopen / rating, and public stats."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork, in_one_transaction
from gateway.extensions import Blueprint, ErrorSchema, create_limit, limiter
from gateway.kernel.etags import check_if_match
from gateway.kernel.paging import paged
from services.complaints import schemas as s
from services.complaints import service, sms_gateway

blp = Blueprint(
    "complaints",
    __name__,
    url_prefix="/api/v1/complaints",
    description="Public complaints: one number on every channel, routed, tracked, escalated",
)
inbound_blp = Blueprint(
    "complaints_inbound",
    __name__,
    url_prefix="/api/v1/complaints/inbound",
    description="Webhooks of the messaging provider (HMAC-signed)",
)

PUBLIC_LIMIT = "60/minute"
# 5 photos of 3 MB in base64 plus the JSON around them.
CREATE_MAX_BYTES = 5 * 4 * 1024 * 1024 + 64 * 1024


@blp.url_value_preprocessor
def _body_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before every before_request (idempotency reads the body), so the raised cap applies.
    if endpoint == "complaints.Complaints" and request.method == "POST":
        request.max_content_length = CREATE_MAX_BYTES


@inbound_blp.before_request
def _verify_signature() -> None:
    """The provider's HMAC signature is checked on the raw body before anything is parsed."""
    sms_gateway.verify(
        current_app.config["WEBHOOK_SECRET_SMS"],
        request.get_data(cache=True),
        request.headers.get("X-Signature"),
        request.headers.get("X-Timestamp"),
    )


@blp.route("")
class Complaints(MethodView):
    decorators = [create_limit()]

    @in_one_transaction
    @blp.auth("citizen", "counter")
    @blp.arguments(s.ComplaintCreateSchema)
    @blp.response(201, s.ComplaintCreatedSchema)
    @blp.alt_response(
        422, description="Invalid input, outside the city, or an emergency (reason emergency_call_112)"
    )
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """File a complaint (citizen app; counter staff with X-On-Behalf-Of, or the call centre without)"""
        photos_raw = data.pop("photos")
        complaint = service.create_complaint(
            UnitOfWork(), principal=current_principal(), photos_raw=photos_raw, **data
        )
        return {
            "number": complaint.number,
            "state": complaint.state,
            "category_code": complaint.category_code,
            "channel": complaint.channel,
            "privacy": complaint.privacy,
            "verify_due_at": complaint.verify_due_at,
            "answer_due_at": complaint.answer_due_at,
            "photos": len(photos_raw),
        }


@blp.route("/categories")
class Categories(MethodView):
    decorators = [limiter.limit(PUBLIC_LIMIT)]

    @blp.public
    @blp.arguments(s.ComplaintCategoryQuerySchema, location="query")
    @blp.response(200, s.ComplaintCategorySchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """The complaint categories, their OPD, deadlines (working days) and attributes"""
        return service.list_categories(UnitOfWork(), include_emergency=args["include_emergency"])


@blp.route("/nearby")
class Nearby(MethodView):
    decorators = [limiter.limit(PUBLIC_LIMIT)]

    @blp.public
    @blp.arguments(s.ComplaintNearbyQuerySchema, location="query")
    @blp.response(200, s.ComplaintSummarySchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """Open complaints of a category within 250 m from the last 30 days (back one instead of filing)"""
        return service.nearby(UnitOfWork(), **args)


@blp.route("/mine")
class Mine(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.ComplaintPageQuerySchema, location="query")
    @blp.response(200, s.ComplaintSummarySchema(many=True))
    @blp.paginate()
    def get(self, _args: dict[str, Any], pagination_parameters: Any) -> list:
        """My complaints and the ones I follow, newest first"""
        return paged(pagination_parameters, service.mine)


@blp.route("/queue")
class Queue(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.ComplaintQueueQuerySchema, location="query")
    @blp.response(200, s.ComplaintSummarySchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list:
        """My OPD's complaints (the complaint desk also sees every submitted one), newest first"""
        filters = {k: v for k, v in args.items() if k not in ("page", "page_size")}
        return paged(pagination_parameters, service.queue, **filters)


@blp.route("/notices")
class Notices(MethodView):
    @blp.auth("officer", "admin")
    @blp.arguments(s.ComplaintPageQuerySchema, location="query")
    @blp.response(200, s.ComplaintNoticeSchema(many=True))
    @blp.paginate()
    def get(self, _args: dict[str, Any], pagination_parameters: Any) -> list:
        """Deadline reminders and escalations for my OPD and for me, newest first"""
        return paged(pagination_parameters, service.notices)


@blp.route("/stats")
class Stats(MethodView):
    decorators = [limiter.limit(PUBLIC_LIMIT)]

    @blp.public
    @blp.arguments(s.ComplaintStatsQuerySchema, location="query")
    @blp.response(200, s.ComplaintStatsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Per OPD and category: received, median first response, on-time share, fixed share, rating, overdue"""
        rows = service.stats(UnitOfWork(), start=args["from_"], end=args["to"])
        return {"period_from": args["from_"], "period_to": args["to"], "rows": rows}


@blp.route("/<number>")
class ComplaintItem(MethodView):
    @blp.etag
    @blp.public
    @blp.arguments(s.ComplaintNoQuerySchema, location="query")
    @blp.response(200, s.ComplaintSchema)
    def get(self, _args: dict[str, Any], number: str) -> dict[str, Any]:
        """A complaint: the public view, or more for its reporter and the staff handling it (ETag)"""
        # No set_etag: the ETag is computed from the dumped body, so it covers everything shown.
        return service.get_complaint(UnitOfWork(), principal=current_principal(required=False), number=number)

    @blp.auth("officer", "admin")
    @blp.arguments(s.ComplaintActionSchema)
    @blp.etag
    @blp.response(200, s.ComplaintSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Not possible in the complaint's current state")
    @blp.alt_response(412, schema=ErrorSchema, description="Stale If-Match (reason etag_mismatch): reload")
    @blp.alt_response(428, schema=ErrorSchema, description="No If-Match (reason etag_required)")
    def patch(self, data: dict[str, Any], number: str) -> dict[str, Any]:
        """Work a complaint: verify, reject, reroute, start, resolve, duplicate, note, reopen (If-Match required)"""
        principal = current_principal()
        current = service.staff_view_for_update(UnitOfWork(), principal=principal, number=number)
        check_if_match(blp, current, s.ComplaintSchema, what="complaint")
        return service.act(
            UnitOfWork(), principal=principal, number=number, expected_version=current["version"], **data
        )


@blp.route("/<number>/follow")
class Follow(MethodView):
    decorators = [create_limit()]

    @blp.auth("citizen", "counter")
    @blp.arguments(s.ComplaintEmptyBodySchema)
    @blp.response(200, s.ComplaintFollowSchema)
    def post(self, _data: dict[str, Any], number: str) -> dict[str, Any]:
        """ "Me too": back an open complaint and follow its status changes"""
        return service.follow(UnitOfWork(), principal=current_principal(), number=number)


@blp.route("/<number>/confirm")
class Confirm(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.ComplaintEmptyBodySchema)
    @blp.response(200, s.ComplaintSchema)
    def post(self, _data: dict[str, Any], number: str) -> dict[str, Any]:
        """The reporter confirms the answer; the complaint is closed"""
        return service.confirm(UnitOfWork(), principal=current_principal(), number=number)


@blp.route("/<number>/reopen")
class Reopen(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.ComplaintReopenSchema)
    @blp.response(200, s.ComplaintSchema)
    def post(self, data: dict[str, Any], number: str) -> dict[str, Any]:
        """The reporter reopens within 10 working days of the answer"""
        return service.reopen(
            UnitOfWork(), principal=current_principal(), number=number, note=data.get("note")
        )


@blp.route("/<number>/rating")
class Rating(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.ComplaintRatingSchema)
    @blp.response(201, s.ComplaintRatingCreatedSchema)
    def post(self, data: dict[str, Any], number: str) -> Any:
        """The reporter rates the answer (1–5, was it fixed?) once it is resolved"""
        return service.rate(UnitOfWork(), principal=current_principal(), number=number, **data)


@blp.route("/<number>/photos/<photo_id>")
class Photo(MethodView):
    decorators = [limiter.limit("120/minute")]

    @blp.public
    @blp.arguments(s.ComplaintNoQuerySchema, location="query")
    @blp.response(200, description="The image (JPEG, PNG or WebP)", content_type="image/*")
    def get(self, _args: dict[str, Any], number: str, photo_id: str) -> Response:
        """A complaint photo (same visibility as the complaint)"""
        photo = service.photo(
            UnitOfWork(), principal=current_principal(required=False), number=number, photo_id=photo_id
        )
        response = Response(photo.data, mimetype=photo.content_type)
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


@inbound_blp.route("/sms")
class InboundSms(MethodView):
    @inbound_blp.public
    @inbound_blp.arguments(s.ComplaintInboundSmsSchema)
    @inbound_blp.response(200, s.ComplaintInboundResultSchema)
    @inbound_blp.alt_response(401, description="Missing/invalid X-Signature or stale X-Timestamp")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """An SMS / WhatsApp message to the city's number (signed by the provider)"""
        sms_gateway.check_received_at(data["received_at"], request.headers["X-Timestamp"])
        return service.handle_inbound(
            UnitOfWork(),
            message_id=data["message_id"],
            from_phone=data["from_"],
            text=data["text"],
            channel=data["channel"],
            received_at=data["received_at"],
        )

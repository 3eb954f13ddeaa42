"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests, tokens, servicerequestupdates.

Every resource answers in JSON (`….json`) or XML (`….xml`) with the specification's shapes: top-level
arrays in JSON, `<services><service>`, `<service_requests><request>`, `<service_definition>`,
`<errors><error>` in XML, so existing Open311 client libraries work unmodified. The request id is the
complaint number. Confidential complaints never appear; nothing about any reporter is ever shown.

Decisions worth knowing (also in the OpenAPI descriptions):
- POST authentication: `api_key` = "client_id:client_secret" of a machine client with scope
  open311:write (checked with argon2 like the client-credentials grant; nothing is cached), or a
  bearer token of such a client. Open311 clients send no Idempotency-Key, so a retried POST (same
  client, service, description and location within 24 hours) returns the first complaint's number.
- Requests are filed synchronously: the POST answers with service_request_id *and* a token;
  tokens/<token> answers the same number (the token is an HMAC of it, so no table is needed).
- Emergencies (fire, crime, medical) are not listed in services: Open311 clients offer every listed
  service for filing, and these must be a call to 112; posting one is a 400 telling to call 112."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

from gateway.db import UnitOfWork
from gateway.errors import NotFound, ServiceError
from gateway.extensions import Blueprint, limiter
from gateway.kernel.redact import mask_nik_and_phone
from services.complaints import service
from services.complaints.models import OPEN_STATES, STATES
from services.complaints.open311 import schemas as s
from services.complaints.open311.formats import FMT, error_array, render
from services.complaints.open311.georeport import (
    CHANGESET,
    DEFAULT_WINDOW,
    MAX_IDS,
    SPECIFICATION,
    UPDATES_WINDOW,
    attribute_item,
    catalogue,
    create_request,
    number_of_token,
    open311_client,
    page_of,
    public_root,
    request_item,
    service_item,
    split_csv,
    window_of,
)
from services.complaints.schemas import w3c

log = logging.getLogger("services.complaints.open311")  # the name it always had


blp = Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description=(
        "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): every path in .json or .xml; "
        "errors are the specification's error arrays"
    ),
)


READ_LIMIT = "60/minute"


WRITE_LIMIT = "30/minute"


@blp.errorhandler(ServiceError)
def _service_error(err: ServiceError) -> Response:
    message = err.message
    if err.extra.get("call") == "112":
        message = f"{message} (service_code {err.extra.get('category')})"
    return error_array(err.code, message, err.errors, err.headers)


@blp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    code = err.code or 500
    data = getattr(err, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if code == 429:
        headers.setdefault("Retry-After", str(getattr(err, "retry_after", None) or 60))
        return error_array(429, f"Too many requests: {err.description}", None, headers)
    messages = data.get("messages")
    # webargs' 422 carries the field errors; its generic description adds nothing to them.
    return error_array(code, None if messages else err.description, messages, headers)


@blp.errorhandler(Exception)
def _unexpected(err: Exception) -> Response:
    log.exception("unhandled error on Open311")
    return error_array(500, "Internal server error")


def unknown_path(_: str = "", **__: Any) -> Response:
    return error_array(404, "Unknown Open311 resource; see /open311/v2/discovery.json")


def _documented(schema: Any, what: str) -> Callable:
    """Document the JSON shape (the XML has the same element names) and the error arrays."""

    def decorator(func: Callable) -> Callable:
        func = blp.response(200, schema, description=f"{what} (JSON; the .xml path gives text/xml)")(func)
        func = blp.alt_response(400, schema=s.Open311ErrorSchema(many=True), description="Bad arguments")(
            func
        )
        return blp.alt_response(404, schema=s.Open311ErrorSchema(many=True), description="Not found")(func)

    return decorator


@blp.route(f"/discovery.{FMT}")
class Discovery(MethodView):
    decorators = [limiter.limit(READ_LIMIT)]

    @blp.public
    @blp.arguments(s.Open311Args, location="query", error_status_code=400)
    @_documented(s.Open311DiscoverySchema, "Where and how this GeoReport v2 endpoint is served")
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Open311 discovery: specification, URL, formats, contact"""
        data = {
            "changeset": CHANGESET,
            "contact": "Meja Pengaduan Kota Pematangsiantar (Diskominfo), pengaduan@pematangsiantarkota.go.id",
            "key_service": (
                "api_key = client_id:client_secret of a machine client with scope open311:write, "
                "issued by Diskominfo (flask create-client)"
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": f"{public_root()}open311/v2",
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
        return render(fmt, data, root="discovery")


@blp.route(f"/services.{FMT}")
class Services(MethodView):
    decorators = [limiter.limit(READ_LIMIT)]

    @blp.public
    @blp.arguments(s.Open311Args, location="query", error_status_code=400)
    @_documented(
        s.Open311ServiceSchema(many=True), "The complaint categories (emergencies are a call to 112)"
    )
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Open311 service list: the complaint categories with the OPD that handles each"""
        categories, agencies = catalogue()
        data = [service_item(c, agencies) for c in categories.values() if not c.emergency]
        return render(fmt, data, root="services", item="service")


@blp.route(f"/services/<service_code>.{FMT}")
class ServiceDefinition(MethodView):
    decorators = [limiter.limit(READ_LIMIT)]

    @blp.public
    @blp.arguments(s.Open311Args, location="query", error_status_code=400)
    @_documented(s.Open311ServiceDefinitionSchema, "The attributes a category asks for")
    def get(self, args: dict[str, Any], fmt: str, service_code: str) -> Response:
        """Open311 service definition: the attributes (attribute[CODE]) a category asks for"""
        categories, _ = catalogue()
        category = categories.get(service.normalize_code(service_code))
        if category is None:
            raise NotFound(f"Unknown service_code {service_code}", reason="unknown_service")
        if category.emergency:
            raise NotFound(
                f"{service_code} is an emergency: call 112, it is not filed as a complaint",
                reason="emergency_call_112",
            )
        attributes = sorted(category.attributes or [], key=lambda a: a.get("order") or 0)
        data = {"service_code": category.code, "attributes": [attribute_item(a) for a in attributes]}
        return render(fmt, data, root="service_definition")


@blp.route(f"/requests.{FMT}")
class Requests(MethodView):
    decorators = [limiter.limit(READ_LIMIT, methods=["GET"]), limiter.limit(WRITE_LIMIT, methods=["POST"])]

    @blp.public
    @blp.arguments(s.Open311RequestsQueryArgs, location="query", error_status_code=400)
    @_documented(
        s.Open311ServiceRequestSchema(many=True), "Complaints, newest first (never confidential ones)"
    )
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Open311 service requests: filter by id, service_code, dates, status; page/page_size"""
        limit, offset = page_of(args)
        numbers_in = split_csv(args.get("service_request_id"))
        if numbers_in:  # the specification: service_request_id overrides every other argument
            query: dict[str, Any] = {"numbers_in": numbers_in[:MAX_IDS]}
        else:
            start, end = window_of(args, DEFAULT_WINDOW)
            statuses = set(split_csv(args.get("status")))
            states = None
            if statuses == {"open"}:
                states = list(OPEN_STATES)
            elif statuses == {"closed"}:
                states = [st for st in STATES if st not in OPEN_STATES]
            codes = [service.normalize_code(c) for c in split_csv(args.get("service_code"))]
            query = {"category_codes": codes or None, "states": states, "start": start, "end": end}
        rows = service.open311_page(UnitOfWork(read_only=True), limit=limit, offset=offset, **query)
        categories, agencies = catalogue()
        root_url = public_root()
        data = [request_item(c, photo, categories, agencies, root_url) for c, photo in rows]
        return render(fmt, data, root="service_requests", item="request")

    @blp.arguments(s.Open311RequestCreateSchema, location="form", error_status_code=400)
    @blp.doc(
        security=[
            {"bearerAuth": []},
            {"oauth2ClientCredentials": [service.OPEN311_SCOPE]},
            {"open311ApiKey": []},
        ]
    )
    @_documented(s.Open311CreatedRequestSchema(many=True), "The new request's number (and token)")
    @blp.alt_response(403, schema=s.Open311ErrorSchema(many=True), description="Missing or invalid api_key")
    def post(self, form: dict[str, Any], fmt: str) -> Response:
        """Open311 post service request (form-encoded; api_key = client_id:client_secret)

        Who may call: a machine client with scope open311:write, by the `api_key` form field
        (client_id:client_secret) or a bearer token. attribute[CODE]=value answers the service
        definition. A retried POST with the same content within 24 hours returns the same number.
        """
        # api_key: a form field in GeoReport v2; also taken from the query string (OpenAPI's apiKey scheme).
        principal = open311_client(form.pop("api_key", None) or request.args.get("api_key"))
        item = create_request(form, principal)
        return render(fmt, [item], root="service_requests", item="request")


@blp.route(f"/requests/<service_request_id>.{FMT}")
class RequestItem(MethodView):
    decorators = [limiter.limit(READ_LIMIT)]

    @blp.public
    @blp.arguments(s.Open311Args, location="query", error_status_code=400)
    @_documented(s.Open311ServiceRequestSchema(many=True), "One complaint, as an array of one")
    def get(self, args: dict[str, Any], fmt: str, service_request_id: str) -> Response:
        """Open311 get service request: one complaint by number (404 if unknown or confidential)"""
        complaint = service.get_public(UnitOfWork(read_only=True), number=service_request_id)
        rows = service.open311_page(UnitOfWork(read_only=True), numbers_in=[complaint.number], limit=1)
        categories, agencies = catalogue()
        root_url = public_root()
        data = [request_item(c, photo, categories, agencies, root_url) for c, photo in rows]
        return render(fmt, data, root="service_requests", item="request")


@blp.route(f"/tokens/<token>.{FMT}")
class Token(MethodView):
    decorators = [limiter.limit(READ_LIMIT)]

    @blp.public
    @blp.arguments(s.Open311Args, location="query", error_status_code=400)
    @_documented(s.Open311TokenSchema(many=True), "The request id a token stands for")
    def get(self, args: dict[str, Any], fmt: str, token: str) -> Response:
        """Open311 service_request_id from a token (requests are filed at once; tokens still work)"""
        number = number_of_token(token)
        if number is None:
            raise NotFound("Unknown token", reason="unknown_token")
        complaint = service.get_public(UnitOfWork(read_only=True), number=number)
        return render(
            fmt,
            [{"service_request_id": complaint.number, "token": token}],
            root="service_requests",
            item="request",
        )


@blp.route(f"/servicerequestupdates.{FMT}")
class Updates(MethodView):
    decorators = [limiter.limit(READ_LIMIT)]

    @blp.public
    @blp.arguments(s.Open311UpdatesQueryArgs, location="query", error_status_code=400)
    @_documented(s.Open311RequestUpdateSchema(many=True), "Public status changes and notes, oldest first")
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Open311 servicerequestupdates extension: public status changes and public notes"""
        limit, offset = page_of(args)
        start, end = window_of(args, UPDATES_WINDOW)
        numbers_in = split_csv(args.get("service_request_id"))[:MAX_IDS] or None
        rows = service.open311_updates(
            UnitOfWork(read_only=True),
            numbers_in=numbers_in,
            start=start,
            end=end,
            limit=limit,
            offset=offset,
        )
        data = [
            {
                "update_id": event.id,
                "service_request_id": number,
                "status": "open" if event.to_state in OPEN_STATES else "closed",
                "updated_datetime": w3c(event.created_at),
                "description": mask_nik_and_phone(event.note),
                "media_url": None,
            }
            for event, number in rows
        ]
        return render(fmt, data, root="service_request_updates", item="request_update")

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
  service for filing, and these must be a call to 112; posting one is a 400 telling to call 112.
"""

from __future__ import annotations

import hmac
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from flask import Response, json, request
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

from gateway.auth import Principal, current_principal, decode_access_token
from gateway.db import UnitOfWork, utcnow
from gateway.errors import BadRequest, Forbidden, NotFound, ServiceError, Unauthorized
from gateway.extensions import Blueprint, limiter
from gateway.identity import phones, wilayah
from gateway.identity import service as identity
from gateway.identity.passwords import digest
from gateway.kernel.settings import region_code, setting
from services.complaints import open311_schemas as s
from services.complaints import service
from services.complaints.models import OPEN_STATES, STATES, ComplaintCategory
from services.complaints.schemas import w3c

log = logging.getLogger(__name__)

blp = Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description=(
        "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): every path in .json or .xml; "
        "errors are the specification's error arrays"
    ),
)

FMT = "<any(json,xml):fmt>"
READ_LIMIT = "60/minute"
WRITE_LIMIT = "30/minute"
CHANGESET = "2026-11-23T00:00:00+07:00"  # when this endpoint's behaviour last changed
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2: "the last 90 days" when no dates are given
UPDATES_WINDOW = timedelta(hours=24)
RETRY_WINDOW = timedelta(hours=24)
MAX_IDS = 200  # service_request_id values per query
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
XML_TYPE = "text/xml; charset=utf-8"
# Element names of list items in XML.
ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
# Characters XML 1.0 cannot carry (an SMS may contain them): dropped from XML text.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---- rendering ---------------------------------------------------------------------------------------


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, list):
                holder = ET.SubElement(element, key)
                for item in child:
                    _fill(ET.SubElement(holder, ITEM_TAGS.get(key, "item")), item)
            else:
                _fill(ET.SubElement(element, key), child)
    else:
        element.text = _text(value)


def render(fmt: str, data: Any, *, root: str, item: str | None = None, status: int = 200) -> Response:
    """JSON as is; XML with `root` holding one `item` element per entry (or `root` = the object)."""
    if fmt == "xml":
        element = ET.Element(root)
        if item is None:
            _fill(element, data)
        else:
            for entry in data:
                _fill(ET.SubElement(element, item), entry)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
        return Response(body, status=status, content_type=XML_TYPE)
    return Response(
        json.dumps(data, ensure_ascii=False) + "\n",
        status=status,
        content_type="application/json; charset=utf-8",
    )


# ---- errors: the specification's error arrays, for every error on /open311/ -------------------------

_ATTRIBUTE_PATH = re.compile(r"^attributes\.([^:]+):")
# Open311 knows 400 (bad arguments), 403 (bad api_key) and 404; validation failures are 400 here.
_STATUS = {422: 400}


def _flatten(errors: Any, prefix: str = "") -> Iterable[str]:
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key in ("json", "query", "form", "querystring") and not prefix:
                yield from _flatten(value, "")
            else:
                yield from _flatten(value, f"{prefix}{key}: " if not prefix else f"{prefix[:-2]}.{key}: ")
    elif isinstance(errors, list | tuple):
        for item in errors:
            yield from _flatten(item, prefix)
    else:
        yield f"{prefix}{errors}"


def error_response(
    code: int, message: str | None, errors: Any = None, headers: dict | None = None
) -> Response:
    """The error array: the message (if any) and one entry per field error."""
    code = _STATUS.get(code, code)
    details = [_ATTRIBUTE_PATH.sub(r"attribute[\1]:", d) for d in _flatten(errors)] if errors else []
    texts = ([message] if message else []) + details or [HTTPStatus(code).phrase]
    items = [{"code": code, "description": text} for text in texts]
    response = render(_fmt(), items, root="errors", item="error", status=code)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@blp.errorhandler(ServiceError)
def _service_error(err: ServiceError) -> Response:
    message = err.message
    if err.extra.get("call") == "112":
        message = f"{message} (service_code {err.extra.get('category')})"
    return error_response(err.code, message, err.errors, err.headers)


@blp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    code = err.code or 500
    data = getattr(err, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if code == 429:
        headers.setdefault("Retry-After", str(getattr(err, "retry_after", None) or 60))
        return error_response(429, f"Too many requests: {err.description}", None, headers)
    messages = data.get("messages")
    # webargs' 422 carries the field errors; its generic description adds nothing to them.
    return error_response(code, None if messages else err.description, messages, headers)


@blp.errorhandler(Exception)
def _unexpected(err: Exception) -> Response:
    log.exception("unhandled error on Open311")
    return error_response(500, "Internal server error")


def unknown_path(_: str = "", **__: Any) -> Response:
    return error_response(404, "Unknown Open311 resource; see /open311/v2/discovery.json")


# ---- helpers ------------------------------------------------------------------------------------------


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def token_for(number: str) -> str:
    """The token of a request: its number and an HMAC of it (lookups need no table)."""
    return f"{number}-{digest('open311:token:' + number)[:20]}"


def number_of_token(token: str) -> str | None:
    number, _, _mac = token.partition("-")
    if not number.isdigit() or not hmac.compare_digest(token_for(number), token):
        return None
    return number


def _catalogue() -> tuple[dict[str, ComplaintCategory], dict[str, str]]:
    categories = {c.code: c for c in service.list_categories(UnitOfWork(read_only=True))}
    return categories, service.agency_names(UnitOfWork(read_only=True))


def _service_item(category: ComplaintCategory, agencies: dict[str, str]) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": ",".join(category.keywords or []),
        "group": agencies.get(category.opd_code, category.opd_code),
    }


DATATYPE_HELP = {
    "singlevaluelist": "Pilih satu nilai (key) dari values",
    "multivaluelist": "Pilih satu atau lebih nilai (key) dari values",
    "number": "Angka",
    "datetime": "Tanggal dan waktu W3C, mis. 2026-11-23T08:00:00+07:00",
}


def _attribute_item(attribute: dict[str, Any]) -> dict[str, Any]:
    return {
        "variable": True,
        "code": attribute["code"],
        "datatype": attribute["datatype"],
        "required": bool(attribute.get("required")),
        "datatype_description": DATATYPE_HELP.get(attribute["datatype"]),
        "order": int(attribute.get("order") or 0),
        "description": attribute.get("description") or "",
        "values": [{"key": v["key"], "name": v["name"]} for v in attribute.get("values") or []],
    }


def _address(c: Any) -> str | None:
    parts = [c.address] if c.address else []
    name = wilayah.name_of(c.kelurahan_code) if c.kelurahan_code else None
    if name and name.lower() not in (c.address or "").lower():
        parts.append(f"Kel. {name}")
    return ", ".join(parts) or None


def _root_url() -> str:
    """Links in Open311 answers start at the configured PUBLIC_BASE_URL, never at the request's Host
    header: a forged Host would otherwise plant its own links in what the city publishes."""
    return setting("PUBLIC_BASE_URL").rstrip("/") + "/"


def _request_item(
    c: Any,  # a Complaint or a row of service.OPEN311_COLUMNS
    photo_id: str | None,
    categories: dict[str, ComplaintCategory],
    agencies: dict[str, str],
    root_url: str,
) -> dict[str, Any]:
    category = categories.get(c.category_code)
    open_ = c.state in OPEN_STATES
    return {
        "service_request_id": c.number,
        "status": "open" if open_ else "closed",
        "status_notes": "overdue" if open_ and c.overdue else c.state,
        "service_name": category.name if category else c.category_code,
        "service_code": c.category_code,
        "description": c.description,
        "agency_responsible": agencies.get(c.opd_code, c.opd_code),
        "service_notice": c.public_answer,
        "requested_datetime": w3c(c.created_at),
        "updated_datetime": w3c(c.updated_at),
        "expected_datetime": w3c(c.answer_due_at),
        "address": _address(c),
        "address_id": c.kelurahan_code,
        "zipcode": None,
        "lat": c.lat,
        "long": c.lon,
        "media_url": f"{root_url}api/v1/complaints/{c.number}/photos/{photo_id}" if photo_id else None,
    }


def _page(args: dict[str, Any]) -> tuple[int, int]:
    size = args["page_size"]
    return size, (args["page"] - 1) * size


def _window(args: dict[str, Any], default: timedelta) -> tuple[datetime | None, datetime | None]:
    start, end = args.get("start_date"), args.get("end_date")
    if start is None:
        start = (end or utcnow()) - default
    return start, end


# ---- api_key ------------------------------------------------------------------------------------------


def open311_client(api_key: str | None) -> Principal:
    """The machine client posting: from `api_key` (client_id:client_secret) or its bearer token."""
    if api_key:
        client_id, sep, secret = api_key.partition(":")
        if not sep or not client_id or not secret:
            raise Forbidden("api_key must be client_id:client_secret", reason="invalid_api_key")
        try:
            granted = identity.client_token(
                UnitOfWork(), client_id=client_id, client_secret=secret, scope=service.OPEN311_SCOPE
            )
        except Unauthorized as exc:
            raise Forbidden("Invalid api_key", reason="invalid_api_key") from exc
        except Forbidden as exc:
            raise Forbidden(
                f"This client lacks scope {service.OPEN311_SCOPE}", reason="scope_required"
            ) from exc
        return decode_access_token(granted["access_token"])
    principal = current_principal(required=False)
    if principal is None:
        raise Forbidden("api_key is required to post a request", reason="api_key_required")
    if not principal.is_client:
        raise Forbidden("Open311 requests are posted by machine clients", reason="role_not_allowed")
    principal.require_scope(service.OPEN311_SCOPE)
    return principal


def _kelurahan_named_in(text: str | None) -> str | None:
    """The kelurahan an address names ("Jl. Sutomo, Proklamasi"), longest name first."""
    if not text:
        return None
    lowered = text.lower()
    for code, name in sorted(wilayah.kelurahan_of(region_code()), key=lambda kv: -len(kv[1])):
        if re.search(rf"\b{re.escape(name.lower())}\b", lowered):
            return code
    return None


# The complaint service names the REST API's fields; an Open311 client sent the GeoReport v2 names.
PARAMETER_NAMES = {
    "lon": "long",
    "kelurahan_code": "address_id",
    "address": "address_string",
    "category_code": "service_code",
    "reporter_name": "first_name",
    "reporter_phone": "phone",
    "reporter_email": "email",
}
_IN_TEXT = (
    (re.compile(r"\blat/lon\b"), "lat/long"),
    (re.compile(r"\bkelurahan_code \+ address\b"), "address_id + address_string"),
    (re.compile(r"\ba kelurahan and an address\b"), "address_id and address_string"),
    (
        re.compile(r"\bAn address is required with a kelurahan\b"),
        "address_string is required with address_id",
    ),
    (re.compile(r"\blat and lon\b"), "lat and long"),
    (re.compile(r"\bkelurahan_code\b"), "address_id"),
    (re.compile(r"\bcategory_code\b"), "service_code"),
)


def _open311_text(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    for pattern, replacement in _IN_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _renamed(errors: Any) -> Any:
    if isinstance(errors, dict):
        return {PARAMETER_NAMES.get(k, k): _renamed(v) for k, v in errors.items()}
    if isinstance(errors, list | tuple):
        return [_renamed(v) for v in errors]
    return _open311_text(errors)


def in_open311_terms(err: ServiceError) -> None:
    """Rewrite an error of the complaint service to name the parameters the Open311 client sent."""
    err.message = _open311_text(err.message)
    if err.errors:
        err.errors = {
            location: _renamed(fields) if location == "json" else fields
            for location, fields in err.errors.items()
        }


def create_request(form: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """File the complaint (or find the one a retried POST already filed); the POST's one array item."""
    categories, _ = _catalogue()
    code = service.normalize_code(form["service_code"])
    category = categories.get(code)
    description = (form.get("description") or "").strip() or (category.name if category else "")
    if form.get("media_url"):
        description = f"{description}\n\nFoto: {form['media_url']}"
    phone = None
    if form.get("phone"):
        try:
            phone = phones.normalize(form["phone"])
        except phones.InvalidPhone as exc:
            raise BadRequest("phone: not a valid phone number", reason="invalid_phone") from exc
    kelurahan = form.get("address_id")
    if kelurahan is None and form.get("lat") is None:
        kelurahan = _kelurahan_named_in(form.get("address_string"))
    name = " ".join(p.strip() for p in (form.get("first_name"), form.get("last_name")) if p and p.strip())
    fields: dict[str, Any] = {
        "category_code": code,
        "description": description,
        "lat": form.get("lat"),
        "lon": form.get("lon"),
        "kelurahan_code": kelurahan,
        "address": form.get("address_string"),
    }
    complaint = service.open311_retry_of(
        UnitOfWork(),
        client_id=principal.id,
        since=utcnow() - RETRY_WINDOW,
        **fields,
    )
    if complaint is None:
        try:
            complaint = service.create_complaint(
                UnitOfWork(),
                principal=principal,
                attributes=form.get("attributes") or {},
                reporter_name=name or None,
                reporter_phone=phone,
                reporter_email=form.get("email"),
                **fields,
            )
        except ServiceError as err:
            in_open311_terms(err)
            raise
    deadline = service.local_text(complaint.answer_due_at)
    return {
        "service_request_id": complaint.number,
        "token": token_for(complaint.number),
        "service_notice": f"Pengaduan diterima dengan nomor {complaint.number}; batas jawaban {deadline}.",
        "account_id": form.get("account_id"),
    }


# ---- views --------------------------------------------------------------------------------------------


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
                    "url": f"{_root_url()}open311/v2",
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
        categories, agencies = _catalogue()
        data = [_service_item(c, agencies) for c in categories.values() if not c.emergency]
        return render(fmt, data, root="services", item="service")


@blp.route(f"/services/<service_code>.{FMT}")
class ServiceDefinition(MethodView):
    decorators = [limiter.limit(READ_LIMIT)]

    @blp.public
    @blp.arguments(s.Open311Args, location="query", error_status_code=400)
    @_documented(s.Open311ServiceDefinitionSchema, "The attributes a category asks for")
    def get(self, args: dict[str, Any], fmt: str, service_code: str) -> Response:
        """Open311 service definition: the attributes (attribute[CODE]) a category asks for"""
        categories, _ = _catalogue()
        category = categories.get(service.normalize_code(service_code))
        if category is None:
            raise NotFound(f"Unknown service_code {service_code}", reason="unknown_service")
        if category.emergency:
            raise NotFound(
                f"{service_code} is an emergency: call 112, it is not filed as a complaint",
                reason="emergency_call_112",
            )
        attributes = sorted(category.attributes or [], key=lambda a: a.get("order") or 0)
        data = {"service_code": category.code, "attributes": [_attribute_item(a) for a in attributes]}
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
        limit, offset = _page(args)
        numbers_in = _csv(args.get("service_request_id"))
        if numbers_in:  # the specification: service_request_id overrides every other argument
            query: dict[str, Any] = {"numbers_in": numbers_in[:MAX_IDS]}
        else:
            start, end = _window(args, DEFAULT_WINDOW)
            statuses = set(_csv(args.get("status")))
            states = None
            if statuses == {"open"}:
                states = list(OPEN_STATES)
            elif statuses == {"closed"}:
                states = [st for st in STATES if st not in OPEN_STATES]
            codes = [service.normalize_code(c) for c in _csv(args.get("service_code"))]
            query = {"category_codes": codes or None, "states": states, "start": start, "end": end}
        rows = service.open311_page(UnitOfWork(read_only=True), limit=limit, offset=offset, **query)
        categories, agencies = _catalogue()
        root_url = _root_url()
        data = [_request_item(c, photo, categories, agencies, root_url) for c, photo in rows]
        return render(fmt, data, root="service_requests", item="request")

    @blp.arguments(s.Open311RequestCreateSchema, location="form", error_status_code=400)
    @blp.doc(security=[{"bearerAuth": []}, {}])
    @_documented(s.Open311CreatedRequestSchema(many=True), "The new request's number (and token)")
    @blp.alt_response(403, schema=s.Open311ErrorSchema(many=True), description="Missing or invalid api_key")
    def post(self, form: dict[str, Any], fmt: str) -> Response:
        """Open311 post service request (form-encoded; api_key = client_id:client_secret)

        Who may call: a machine client with scope open311:write, by the `api_key` form field
        (client_id:client_secret) or a bearer token. attribute[CODE]=value answers the service
        definition. A retried POST with the same content within 24 hours returns the same number.
        """
        principal = open311_client(form.pop("api_key", None))
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
        categories, agencies = _catalogue()
        root_url = _root_url()
        data = [_request_item(c, photo, categories, agencies, root_url) for c, photo in rows]
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
        limit, offset = _page(args)
        start, end = _window(args, UPDATES_WINDOW)
        numbers_in = _csv(args.get("service_request_id"))[:MAX_IDS] or None
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
                "description": event.note,
                "media_url": None,
            }
            for event, number in rows
        ]
        return render(fmt, data, root="service_request_updates", item="request_update")

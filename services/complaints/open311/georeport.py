"""GeoReport v2 terms for our complaints: services and requests as Open311 items, tokens, the
query window, the machine client behind an api_key, and filing a request (retries answered once)."""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from gateway.auth import Principal, current_principal, decode_access_token
from gateway.db import UnitOfWork, utcnow
from gateway.errors import BadRequest, Forbidden, ServiceError, Unauthorized
from gateway.identity import digest, phones, wilayah
from gateway.identity import service as identity
from gateway.kernel.redact import mask_nik_and_phone
from gateway.kernel.settings import region_code, setting
from services.complaints import service
from services.complaints.models import OPEN_STATES, ComplaintCategory
from services.complaints.schemas import w3c

CHANGESET = "2026-11-23T00:00:00+07:00"  # when this endpoint's behaviour last changed


DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2: "the last 90 days" when no dates are given


UPDATES_WINDOW = timedelta(hours=24)


RETRY_WINDOW = timedelta(hours=24)


MAX_IDS = 200  # service_request_id values per query


SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def split_csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def token_for(number: str) -> str:
    """The token of a request: its number and an HMAC of it (lookups need no table)."""
    return f"{number}-{digest('open311:token:' + number)[:20]}"


def number_of_token(token: str) -> str | None:
    number, _, _mac = token.partition("-")
    if not number.isdigit() or not hmac.compare_digest(token_for(number), token):
        return None
    return number


def catalogue() -> tuple[dict[str, ComplaintCategory], dict[str, str]]:
    categories = {c.code: c for c in service.list_categories(UnitOfWork(read_only=True))}
    return categories, service.agency_names(UnitOfWork(read_only=True))


def service_item(category: ComplaintCategory, agencies: dict[str, str]) -> dict[str, Any]:
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


def attribute_item(attribute: dict[str, Any]) -> dict[str, Any]:
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


# A feed page names the same few dozen kelurahan a thousand times: look each name up once.
_kelurahan_name = lru_cache(maxsize=4096)(wilayah.name_of)


def _address(c: Any) -> str | None:
    parts = [c.address] if c.address else []
    name = _kelurahan_name(c.kelurahan_code) if c.kelurahan_code else None
    if name and name.lower() not in (c.address or "").lower():
        parts.append(f"Kel. {name}")
    return ", ".join(parts) or None


def public_root() -> str:
    """Links in Open311 answers start at the configured PUBLIC_BASE_URL, never at the request's Host
    header: a forged Host would otherwise plant its own links in what the city publishes."""
    return setting("PUBLIC_BASE_URL").rstrip("/") + "/"


def _w3c(moment: datetime | str | None) -> str | None:
    """A feed row's timestamps come formatted by the database (service.open311_page); a Complaint's
    are datetimes."""
    return moment if isinstance(moment, str) else w3c(moment)


def request_item(
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
        "description": mask_nik_and_phone(c.description),
        "agency_responsible": agencies.get(c.opd_code, c.opd_code),
        "service_notice": mask_nik_and_phone(c.public_answer),
        "requested_datetime": _w3c(c.created_at),
        "updated_datetime": _w3c(c.updated_at),
        "expected_datetime": _w3c(c.answer_due_at),
        "address": _address(c),
        "address_id": c.kelurahan_code,
        "zipcode": None,
        "lat": c.lat,
        "long": c.lon,
        "media_url": f"{root_url}api/v1/complaints/{c.number}/photos/{photo_id}" if photo_id else None,
    }


def page_of(args: dict[str, Any]) -> tuple[int, int]:
    size = args["page_size"]
    return size, (args["page"] - 1) * size


def window_of(args: dict[str, Any], default: timedelta) -> tuple[datetime | None, datetime | None]:
    start, end = args.get("start_date"), args.get("end_date")
    if start is None:
        start = (end or utcnow()) - default
    return start, end


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
    categories, _ = catalogue()
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

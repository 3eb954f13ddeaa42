"""Open311 GeoReport v2 schemas: the query/form arguments, and the documented response shapes."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from webargs.multidictproxy import MultiDictProxy

from gateway.extensions import Schema
from gateway.kernel import clock

MAX_PAGE_SIZE = 1000  # GeoReport v2: at most 1000 requests per response
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]{1,60})\](\[\])?$")
# A "+07:00" offset whose "+" arrived unencoded in a query string reads as a space.
_SPACE_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")


class W3CDateTime(fields.Field):
    """A W3C datetime (ISO 8601): 2026-11-23, 2026-11-23T08:00:00+07:00 or …Z.

    A date alone is the start of that day in Asia/Jakarta, a time without an offset is Jakarta
    time; the result is always an aware datetime.
    """

    default_error_messages = {"invalid": "Not a W3C datetime (e.g. 2026-11-23T08:00:00+07:00)"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not value.strip():
            raise self.make_error("invalid")
        text = _SPACE_OFFSET.sub(r"+\1", value.strip())
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            if len(text) == 10:
                day = datetime.strptime(text, "%Y-%m-%d").date()
                return datetime.combine(day, time.min, tzinfo=clock.local_tz())
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=clock.local_tz())


class Open311Args(Schema):
    """Parameters every Open311 client may send: accepted and ignored (one jurisdiction; reads are public)."""

    jurisdiction_id = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Accepted and ignored: this endpoint serves one jurisdiction"},
    )
    api_key = fields.String(
        validate=validate.Length(max=300),
        load_only=True,
        metadata={"description": "Accepted and ignored on reads (they are public)"},
    )


class Open311PagingArgs(Open311Args):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(
        load_default=MAX_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": "Paging extension; at most 1000 (the GeoReport v2 maximum)"},
    )


class Open311RequestsQueryArgs(Open311PagingArgs):
    service_request_id = fields.String(
        validate=validate.Length(max=14 * 200),
        metadata={"description": "Complaint numbers, comma-separated; overrides every other filter"},
    )
    service_code = fields.String(
        validate=validate.Length(max=400), metadata={"description": "One or more codes, comma-separated"}
    )
    start_date = W3CDateTime(metadata={"description": "Requested at or after (default: 90 days ago)"})
    end_date = W3CDateTime(metadata={"description": "Requested at or before"})
    status = fields.String(
        validate=validate.Regexp(r"^(open|closed)(,(open|closed))?$", error="open, closed or open,closed"),
        metadata={"description": "open or closed (comma-separated for both)"},
    )

    @ma.validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start_date") and data.get("end_date") and data["start_date"] > data["end_date"]:
            raise ma.ValidationError("end_date is before start_date", "end_date")


class Open311UpdatesQueryArgs(Open311PagingArgs):
    service_request_id = fields.String(
        validate=validate.Length(max=14 * 200), metadata={"description": "Complaint numbers, comma-separated"}
    )
    start_date = W3CDateTime(metadata={"description": "Updated at or after (default: 24 hours ago)"})
    end_date = W3CDateTime(metadata={"description": "Updated at or before"})

    @ma.validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start_date") and data.get("end_date") and data["start_date"] > data["end_date"]:
            raise ma.ValidationError("end_date is before start_date", "end_date")


class Open311RequestCreateSchema(Schema):
    """POST requests (application/x-www-form-urlencoded), with `attribute[CODE]=value` pairs."""

    api_key = fields.String(
        validate=validate.Length(max=300),
        load_only=True,
        metadata={"description": "client_id:client_secret of a machine client with scope open311:write"},
    )
    jurisdiction_id = fields.String(validate=validate.Length(max=100))
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(data_key="long", validate=validate.Range(min=-180, max=180))
    address_string = fields.String(validate=validate.Length(max=300))
    address_id = fields.String(
        validate=validate.Regexp(
            r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$", error="A kelurahan code, e.g. 12.72.01.1001"
        ),
        metadata={"description": "The kelurahan code (Kemendagri), e.g. 12.72.01.1001"},
    )
    attributes = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={"description": "Sent as attribute[CODE]=value (attribute[CODE][]=v for multivaluelist)"},
    )
    email = fields.Email(validate=validate.Length(max=200))
    device_id = fields.String(validate=validate.Length(max=200))
    account_id = fields.String(validate=validate.Length(max=200))
    first_name = fields.String(validate=validate.Length(max=60))
    last_name = fields.String(validate=validate.Length(max=60))
    phone = fields.String(validate=validate.Length(max=30))
    description = fields.String(validate=validate.Length(max=3800))
    media_url = fields.Url(
        schemes={"http", "https"},
        validate=validate.Length(max=500),
        metadata={"description": "Not fetched; kept as a link in the description for the desk"},
    )

    @ma.pre_load
    def _fold_attributes(self, data: Any, **_: Any) -> dict[str, Any]:
        """attribute[ukuran]=besar → attributes={"ukuran": "besar"}; repeated [] keys → a list."""
        raw = data.data if isinstance(data, MultiDictProxy) else data
        out: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for key in list(raw.keys()):
            match = ATTRIBUTE_KEY.match(key)
            values = raw.getlist(key) if hasattr(raw, "getlist") else [raw[key]]
            if match is None:
                out[key] = values[0] if len(values) == 1 else values
            elif match.group(2):
                attributes.setdefault(match.group(1), []).extend(values)
            else:
                attributes[match.group(1)] = values[-1]
        if attributes:
            out["attributes"] = attributes
        return out


# ---- responses (documentation of the JSON; the XML has the same element names) ---------------------


class Open311EndpointSchema(Schema):
    specification = fields.String()
    url = fields.String()
    changeset = fields.String()
    type = fields.String()
    formats = fields.List(fields.String())


class Open311DiscoverySchema(Schema):
    changeset = fields.String()
    contact = fields.String()
    key_service = fields.String()
    endpoints = fields.List(fields.Nested(Open311EndpointSchema))


class Open311ServiceSchema(Schema):
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String()
    metadata = fields.Boolean()
    type = fields.String()
    keywords = fields.String(metadata={"description": "comma-separated"})
    group = fields.String(metadata={"description": "the OPD that handles it"})


class Open311AttributeValueSchema(Schema):
    key = fields.String()
    name = fields.String()


class Open311AttributeSchema(Schema):
    variable = fields.Boolean()
    code = fields.String()
    datatype = fields.String()
    required = fields.Boolean()
    datatype_description = fields.String(allow_none=True)
    order = fields.Integer()
    description = fields.String()
    values = fields.List(fields.Nested(Open311AttributeValueSchema))


class Open311ServiceDefinitionSchema(Schema):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(Open311AttributeSchema))


class Open311ServiceRequestSchema(Schema):
    service_request_id = fields.String(metadata={"description": "the complaint number"})
    status = fields.String(metadata={"description": "open | closed"})
    status_notes = fields.String(metadata={"description": "the detailed state, or overdue"})
    service_name = fields.String()
    service_code = fields.String()
    description = fields.String()
    agency_responsible = fields.String(metadata={"description": "the OPD"})
    service_notice = fields.String(allow_none=True)
    requested_datetime = fields.String()
    updated_datetime = fields.String()
    expected_datetime = fields.String(metadata={"description": "the answer deadline"})
    address = fields.String(allow_none=True)
    address_id = fields.String(allow_none=True, metadata={"description": "the kelurahan code"})
    zipcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = fields.String(allow_none=True)


class Open311CreatedRequestSchema(Schema):
    service_request_id = fields.String()
    token = fields.String()
    service_notice = fields.String()
    account_id = fields.String(allow_none=True)


class Open311TokenSchema(Schema):
    service_request_id = fields.String()
    token = fields.String()


class Open311RequestUpdateSchema(Schema):
    update_id = fields.String()
    service_request_id = fields.String()
    status = fields.String()
    updated_datetime = fields.String()
    description = fields.String(allow_none=True)
    media_url = fields.String(allow_none=True)


class Open311ErrorSchema(Schema):
    code = fields.Integer()
    description = fields.String()

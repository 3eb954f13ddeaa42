"""Request and response schemas of the complaint endpoints."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, pre_load, validate, validates_schema

from gateway.extensions import Schema as BaseSchema
from gateway.identity.schemas import PhoneField
from services.complaints import photos
from services.complaints.models import PRIVACY, STATES

# Asia/Jakarta has kept +07:00 without daylight saving since 1964: a fixed offset converts faster.
WIB = timezone(timedelta(hours=7), "WIB")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Schema(BaseSchema):
    """The complaints' base schema: text with NUL characters is refused (PostgreSQL cannot store it)."""

    @pre_load(pass_collection=True)
    def _no_nul(self, data: Any, **_: Any) -> Any:
        items = data.items() if hasattr(data, "items") else []
        for key, value in items:
            if _has_nul(key) or _has_nul(value):
                raise ValidationError({str(key).replace("\x00", ""): ["NUL characters are not allowed"]})
        return data


NUMBER = fields.String(
    metadata={
        "description": "complaint number: YYMMDD + daily serial + Verhoeff check digit",
        "example": "26112400011",
    }
)


OPD_DESCRIPTION = (
    "the OPD responsible (Open311 agency_responsible): from filing the one the category names; "
    "the desk may route it elsewhere when verifying, and it only works the complaint once assigned"
)


def w3c(moment: datetime | None) -> str | None:
    """ISO 8601 in Asia/Jakarta to the second: 2026-11-23T10:15:00+07:00 (the API's and Open311's)."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored times are UTC
    return moment.astimezone(WIB).isoformat(timespec="seconds")


class LocalDateTime(fields.DateTime):
    """A moment given out as ISO 8601 in Asia/Jakarta (2026-11-24T16:00:00+07:00), like Open311."""

    def _serialize(self, value, attr, obj, **kwargs):  # type: ignore[no-untyped-def]
        return w3c(value)


class Base64Photo(fields.String):
    """A base64-encoded image (a data: URL prefix is accepted), ≤ 3 MB once decoded."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.startswith("data:"):
            value = value.partition(",")[2]
        if len(value) > (photos.MAX_BYTES * 4) // 3 + 8:
            raise ValidationError("Photo larger than 3 MB")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("Not valid base64") from exc


class ComplaintCreateSchema(Schema):
    category_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    kelurahan_code = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    privacy = fields.String(load_default="public", validate=validate.OneOf(PRIVACY))
    attributes = fields.Dict(keys=fields.String(validate=validate.Length(max=60)), load_default=dict)
    photos = fields.List(
        Base64Photo(),
        load_default=list,
        validate=validate.Length(max=photos.MAX_PHOTOS, error="At most 5 photos"),
        metadata={"description": "base64 JPEG/PNG/WebP, ≤ 3 MB each, ≤ 5; metadata is stripped"},
    )
    reporter_name = fields.String(
        allow_none=True,
        validate=validate.Length(max=120),
        metadata={"description": "call centre: the caller's name"},
    )
    reporter_phone = PhoneField(
        allow_none=True, metadata={"description": "call centre / counter: where status SMS go"}
    )


class ComplaintCreatedSchema(Schema):
    number = NUMBER
    state = fields.String()
    category_code = fields.String()
    channel = fields.String()
    privacy = fields.String()
    verify_due_at = LocalDateTime()
    answer_due_at = LocalDateTime()
    photos = fields.Integer(metadata={"description": "photos stored"})


class ComplaintCategorySchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    group = fields.String()
    opd_code = fields.String()
    verify_days = fields.Integer()
    answer_days = fields.Integer()
    emergency = fields.Boolean(metadata={"description": "not filed: call 112"})
    attributes = fields.List(fields.Dict())


class ComplaintCategoryQuerySchema(Schema):
    include_emergency = fields.Boolean(load_default=True)


class ComplaintReporterSchema(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    nik = fields.String(allow_none=True)


class ComplaintHistorySchema(Schema):
    at = LocalDateTime()
    kind = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    from_opd = fields.String(allow_none=True)
    to_opd = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    public = fields.Boolean()
    by = fields.String(
        allow_none=True,
        metadata={
            "description": "who did it: warga (a citizen: the reporter), pendukung (a supporter's "
            '"me too"), sms / whatsapp, or a staff role'
        },
    )
    by_id = fields.String(allow_none=True, metadata={"description": "staff / client id (staff view only)"})


class ComplaintPhotoRefSchema(Schema):
    id = fields.String()
    url = fields.String()


class ComplaintRatingViewSchema(Schema):
    score = fields.Integer()
    fixed = fields.Boolean()


class ComplaintCategoryRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class ComplaintSchema(Schema):
    """A complaint as the caller may see it: public, the reporter, or the handling staff."""

    number = NUMBER
    category = fields.Nested(ComplaintCategoryRefSchema)
    opd_code = fields.String(allow_none=True, metadata={"description": OPD_DESCRIPTION})
    state = fields.String()
    status_label = fields.String()
    overdue = fields.Boolean()
    privacy = fields.String()
    channel = fields.String()
    description = fields.String()
    attributes = fields.Dict()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    kelurahan_code = fields.String(allow_none=True)
    kelurahan_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    verify_due_at = LocalDateTime()
    answer_due_at = LocalDateTime()
    outcome = fields.String(allow_none=True)
    outcome_reason = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    responsible_party = fields.String(allow_none=True)
    public_answer = fields.String(allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    supporters = fields.Integer()
    photos = fields.List(fields.Nested(ComplaintPhotoRefSchema))
    rating = fields.Nested(ComplaintRatingViewSchema, allow_none=True)
    history = fields.List(fields.Nested(ComplaintHistorySchema))
    version = fields.Integer()
    access = fields.String(metadata={"description": "what you see: public | reporter | staff"})
    reporter = fields.Nested(
        ComplaintReporterSchema, allow_none=True, metadata={"description": "reporter and staff only"}
    )
    reporter_display = fields.String(allow_none=True, metadata={"description": "public complaints only"})


class ComplaintSummarySchema(Schema):
    number = NUMBER
    category_code = fields.String()
    opd_code = fields.String(allow_none=True, metadata={"description": OPD_DESCRIPTION})
    state = fields.String()
    status_label = fields.String()
    overdue = fields.Boolean()
    privacy = fields.String()
    channel = fields.String()
    description = fields.String()
    kelurahan_code = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    created_at = LocalDateTime()
    verify_due_at = LocalDateTime()
    answer_due_at = LocalDateTime()
    supporters = fields.Integer()
    version = fields.Integer()
    relation = fields.String(metadata={"description": "mine: reporter | follower"})
    distance_m = fields.Float(metadata={"description": "nearby: metres from the given point"})


class ComplaintPageQuerySchema(Schema):
    """Query args of a paginated view: page/page_size belong to @blp.paginate; anything else unknown
    is still an error."""

    class Meta:
        unknown = EXCLUDE

    @validates_schema(pass_original=True)
    def _no_unknown(self, _data: dict[str, Any], original: Any, **_: Any) -> None:
        allowed = {f.data_key or name for name, f in self.load_fields.items()} | {"page", "page_size"}
        unknown = [k for k in (original or {}) if k not in allowed]
        if unknown:
            raise ValidationError({k: ["Unknown field."] for k in unknown})


class ComplaintQueueQuerySchema(ComplaintPageQuerySchema):
    state = fields.String(
        load_default="open",
        validate=validate.OneOf((*STATES, "open", "all")),
        metadata={"description": "a state, 'open' (default: still to be worked) or 'all'"},
    )
    category = fields.String(validate=validate.Length(max=40))
    overdue = fields.Boolean()
    kelurahan_code = fields.String(validate=validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"))


class ComplaintNoQuerySchema(Schema):
    pass


class ComplaintNearbyQuerySchema(Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class ComplaintActionSchema(Schema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(
            ("verify", "reject", "reroute", "start", "resolve", "duplicate", "note", "reopen")
        ),
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=4000))
    public = fields.Boolean(load_default=True, metadata={"description": "note: false = internal note"})
    opd_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    outcome = fields.String(allow_none=True, validate=validate.OneOf(("fixed", "not_fixed")))
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))
    rejection_reason = fields.String(allow_none=True, validate=validate.OneOf(("spam", "not_city")))
    responsible_party = fields.String(allow_none=True, validate=validate.Length(max=200))
    duplicate_of = fields.String(allow_none=True, validate=validate.Length(max=20))


class ComplaintReopenSchema(Schema):
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ComplaintEmptyBodySchema(Schema):
    pass


class ComplaintFollowSchema(Schema):
    number = NUMBER
    supporters = fields.Integer()
    following = fields.Boolean()


class ComplaintRatingSchema(Schema):
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    fixed = fields.Boolean(required=True)
    comment = fields.String(allow_none=True, validate=validate.Length(max=1000))


class ComplaintRatingCreatedSchema(Schema):
    score = fields.Integer()
    fixed = fields.Boolean()
    created_at = LocalDateTime()


class ComplaintNoticeSchema(Schema):
    id = fields.String()
    kind = fields.String()
    number = NUMBER
    opd_code = fields.String()
    personal = fields.Boolean(metadata={"description": "addressed to you (head / city secretary)"})
    body = fields.String()
    created_at = LocalDateTime()


PERIOD = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class ComplaintStatsQuerySchema(Schema):
    from_ = fields.Date(
        required=True, data_key="from", validate=PERIOD, metadata={"description": "first day"}
    )
    to = fields.Date(
        required=True, validate=PERIOD, metadata={"description": "last day (inclusive), ≤ 366 days on"}
    )

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data["to"] < data["from_"]:
            raise ValidationError("'to' is before 'from'", "to")
        if (data["to"] - data["from_"]).days > 366:
            raise ValidationError("At most one year per query", "to")


class ComplaintStatsRowSchema(Schema):
    opd_code = fields.String()
    category_code = fields.String()
    category_name = fields.String()
    received = fields.Integer()
    median_first_response_hours = fields.Float(allow_none=True)
    answered_within_deadline_share = fields.Float(allow_none=True)
    fixed_share = fields.Float(allow_none=True)
    average_rating = fields.Float(allow_none=True)
    ratings = fields.Integer()
    overdue_now = fields.Integer()


class ComplaintStatsSchema(Schema):
    period_from = fields.Date(data_key="from")
    period_to = fields.Date(data_key="to")
    rows = fields.List(fields.Nested(ComplaintStatsRowSchema))


class ComplaintInboundSmsSchema(Schema):
    message_id = fields.String(required=True, validate=validate.Length(min=1, max=120))
    from_ = PhoneField(required=True, data_key="from")
    text = fields.String(required=True, validate=validate.Length(max=4096))
    channel = fields.String(load_default="sms", validate=validate.OneOf(("sms", "whatsapp")))
    received_at = fields.AwareDateTime(
        required=True,
        default_timezone=None,
        validate=validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 1, 1, tzinfo=UTC)),
    )


class ComplaintInboundResultSchema(Schema):
    message_id = fields.String()
    action = fields.String(
        metadata={
            "description": "created | supported | status | invalid_number | not_found | emergency | empty"
        }
    )
    number = fields.String(allow_none=True)
    duplicate = fields.Boolean(metadata={"description": "this message id was already handled"})

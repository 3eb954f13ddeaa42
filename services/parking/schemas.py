"""Request and response schemas of the parking endpoints."""

from __future__ import annotations

from marshmallow import EXCLUDE, fields, validate

from gateway.extensions import LocalDateTime, Schema
from services.parking.models import TARIFF_KINDS, VEHICLE_CLASSES

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ZONE_CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,39}$", error="Capitals, digits and dashes, e.g. SUTOMO-1")


def Moment(**kw):  # noqa: N802 - a field factory reads like a field
    """An ISO 8601 moment with its offset (a handheld's clock is local; naive times are ambiguous)."""
    return fields.AwareDateTime(format="iso", **kw)


class GeometrySchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["Polygon", "MultiPolygon"]))
    coordinates = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1, max=50))


class ZoneCreateSchema(Schema):
    code = fields.String(required=True, validate=ZONE_CODE)
    name = fields.String(required=True, validate=validate.Length(min=3, max=160))
    kelurahan_code = fields.String(required=True, validate=validate.Length(equal=13))
    road = fields.String(required=True, validate=validate.Length(min=3, max=160))
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=5000))
    e_parking = fields.Boolean(required=True)
    geometry = fields.Nested(
        GeometrySchema, required=True, metadata={"description": "GeoJSON, WGS84 [lon, lat]"}
    )


class ZoneSchema(Schema):
    code = fields.String()
    name = fields.String()
    kelurahan_code = fields.String()
    road = fields.String()
    capacity = fields.Integer()
    e_parking = fields.Boolean()
    geometry = fields.Dict()


class ZonesQuerySchema(Schema):
    e_parking = fields.Boolean(metadata={"description": "only cashless (true) or only other (false) points"})


class FeatureCollectionSchema(Schema):
    """RFC 7946 FeatureCollection; each feature's properties carry the tariffs in force."""

    class Meta:
        unknown = EXCLUDE

    type = fields.String()
    features = fields.List(fields.Dict())


class TariffSchema(Schema):
    id = fields.String()
    vehicle_class = fields.String()
    kind = fields.String()
    amount = fields.Integer(metadata={"description": "rupiah"})
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True, metadata={"description": "exclusive; null = in force"})
    legal_basis = fields.String()


class TariffCreateSchema(Schema):
    vehicle_class = fields.String(required=True, validate=validate.OneOf(VEHICLE_CLASSES))
    kind = fields.String(required=True, validate=validate.OneOf(TARIFF_KINDS))
    amount = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    effective_from = fields.Date(required=True)
    legal_basis = fields.String(required=True, validate=validate.Length(min=3, max=120))


class EventRateSchema(Schema):
    kind = fields.String()
    name = fields.String()
    multiple = fields.Integer()


class ZoneEventCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.Length(max=20))
    name = fields.String(required=True, validate=validate.Length(min=3, max=160))
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)


class ZoneEventSchema(Schema):
    id = fields.String()
    zone_code = fields.String()
    kind = fields.String()
    name = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()


class AssignmentCreateSchema(Schema):
    attendant_id = fields.String(required=True, validate=validate.Length(max=36))
    zone_code = fields.String(required=True, validate=ZONE_CODE)
    valid_from = Moment(required=True)
    valid_to = Moment(load_default=None, allow_none=True)


class AssignmentSchema(Schema):
    id = fields.String()
    attendant_id = fields.String()
    zone_code = fields.String()
    valid_from = LocalDateTime()
    valid_to = LocalDateTime(allow_none=True)


class AssignmentQuerySchema(Schema):
    zone_code = fields.String(validate=ZONE_CODE)
    attendant_id = fields.String(validate=validate.Length(max=36))


class DeviceCreateSchema(Schema):
    device_id = fields.String(required=True, validate=validate.Length(min=3, max=25))
    serial_number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    model = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))


class DeviceSchema(Schema):
    device_id = fields.String()
    serial_number = fields.String()
    model = fields.String(allow_none=True)
    active = fields.Boolean()
    registered_at = LocalDateTime()


class MyZonesSchema(Schema):
    attendant_id = fields.String()
    at = LocalDateTime()
    zones = fields.List(fields.String())


class SessionStartSchema(Schema):
    id = fields.String(
        required=True,
        validate=validate.Regexp(UUID_RE),
        metadata={"description": "UUID made by the handheld: a retry with the same id is the same visit"},
    )
    zone_code = fields.String(required=True, validate=ZONE_CODE)
    device_id = fields.String(required=True, validate=validate.Length(min=3, max=25))
    plate = fields.String(
        required=True, validate=validate.Length(min=1, max=20), metadata={"example": "BK 1234 ABC"}
    )
    vehicle_class = fields.String(required=True, validate=validate.OneOf(VEHICLE_CLASSES))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    photo = fields.String(
        load_default=None, allow_none=True, metadata={"description": "base64 JPEG/PNG/WebP"}
    )


class OfflineSessionSchema(SessionStartSchema):
    started_at = Moment(required=True, metadata={"description": "the handheld's clock, with offset"})
    ended_at = Moment(load_default=None, allow_none=True)


class BatchSchema(Schema):
    items = fields.List(
        fields.Nested(OfflineSessionSchema), required=True, validate=validate.Length(min=1, max=200)
    )


class BatchItemResultSchema(Schema):
    index = fields.Integer()
    id = fields.String()
    reference = fields.String()
    created = fields.Boolean()
    reason = fields.String()
    message = fields.String()


class BatchResultSchema(Schema):
    accepted = fields.List(fields.Nested(BatchItemResultSchema))
    rejected = fields.List(fields.Nested(BatchItemResultSchema))


class SessionEndSchema(Schema):
    ended_at = Moment(
        load_default=None, allow_none=True, metadata={"description": "only for a visit ended offline"}
    )


class SessionSchema(Schema):
    id = fields.String()
    reference = fields.String(metadata={"description": "printed and in QRIS tag 62/05"})
    receipt_code = fields.String()
    zone_code = fields.String()
    attendant_id = fields.String()
    device_id = fields.String()
    plate = fields.String(allow_none=True)
    vehicle_class = fields.String()
    amount = fields.Integer()
    multiple = fields.Integer()
    state = fields.String()
    payment_state = fields.String()
    started_at = LocalDateTime()
    ended_at = LocalDateTime(allow_none=True)
    offline = fields.Boolean()
    has_photo = fields.Boolean()
    pseudonymised = fields.Boolean()
    billing_code = fields.String(
        allow_none=True, metadata={"description": "payments' billing code (QRIS 62/05)"}
    )
    qris = fields.String(
        allow_none=True, metadata={"description": "the dynamic QRIS while unpaid (62/07 = device)"}
    )
    paid_at = LocalDateTime(allow_none=True)


class SessionQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # page / page_size belong to @blp.paginate

    zone_code = fields.String(validate=ZONE_CODE)
    plate = fields.String(validate=validate.Length(max=20))
    state = fields.String(validate=validate.OneOf(["open", "ended"]))
    since = Moment()


class ReceiptSchema(Schema):
    reference = fields.String()
    code = fields.String()
    zone_code = fields.String()
    zone_name = fields.String(allow_none=True)
    plate = fields.String(allow_none=True)
    vehicle_class = fields.String()
    amount = fields.Integer()
    state = fields.String()
    payment_state = fields.String()
    started_at = LocalDateTime()
    ended_at = LocalDateTime(allow_none=True)
    printable = fields.String(metadata={"description": "lines for the handheld's thermal printer"})


class PublicReceiptSchema(Schema):
    reference = fields.String()
    zone_code = fields.String()
    plate = fields.String(metadata={"description": "masked"})
    vehicle_class = fields.String()
    amount = fields.Integer()
    state = fields.String()
    payment_state = fields.String()
    started_at = LocalDateTime()
    ended_at = LocalDateTime(allow_none=True)


class PlateCreateSchema(Schema):
    plate = fields.String(required=True, validate=validate.Length(min=1, max=20))
    vehicle_class = fields.String(required=True, validate=validate.OneOf(VEHICLE_CLASSES))


class PlateSchema(Schema):
    id = fields.String()
    plate = fields.String()
    vehicle_class = fields.String()
    created_at = LocalDateTime()


class CheckSchema(Schema):
    plate = fields.String(required=True, validate=validate.Length(min=1, max=20))
    zone_code = fields.String(load_default=None, allow_none=True, validate=ZONE_CODE)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    at = Moment(load_default=None, allow_none=True, metadata={"description": "default: now"})


class CheckSessionSchema(Schema):
    reference = fields.String()
    started_at = LocalDateTime()
    ended_at = LocalDateTime(allow_none=True)
    payment_state = fields.String()


class CheckResultSchema(Schema):
    plate = fields.String()
    zone_code = fields.String()
    zone_name = fields.String()
    at = LocalDateTime()
    allowed = fields.Boolean()
    reason = fields.String(
        metadata={
            "description": "paid_session, subscription, session_open, grace_period (allowed); "
            "no_session, session_expired, session_in_other_zone (not allowed)"
        }
    )
    until = LocalDateTime(allow_none=True, metadata={"description": "null while the visit is open"})
    grace_minutes = fields.Integer()
    session = fields.Nested(CheckSessionSchema, allow_none=True)
    other_zone = fields.String(allow_none=True)


class CashReportCreateSchema(Schema):
    plate = fields.String(required=True, validate=validate.Length(min=1, max=20))
    occurred_at = Moment(required=True)
    zone_code = fields.String(load_default=None, allow_none=True, validate=ZONE_CODE)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    photo = fields.String(
        load_default=None, allow_none=True, metadata={"description": "base64 JPEG/PNG/WebP"}
    )


class CashReportSchema(Schema):
    id = fields.String()
    zone_code = fields.String()
    occurred_at = LocalDateTime()
    plate = fields.String()
    description = fields.String()
    attendant_ids = fields.List(fields.String(), metadata={"description": "attendants on duty there then"})
    session_reference = fields.String(allow_none=True)
    has_photo = fields.Boolean()
    created_at = LocalDateTime()


class CashReportQuerySchema(Schema):
    zone_code = fields.String(validate=ZONE_CODE)


class ReconciliationQuerySchema(Schema):
    start = fields.Date(required=True, data_key="from", metadata={"description": "first local day"})
    end = fields.Date(required=True, data_key="to", metadata={"description": "last local day (inclusive)"})
    group = fields.String(load_default="zone", validate=validate.OneOf(["attendant", "zone", "device"]))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ReconciliationRowSchema(Schema):
    key = fields.String(metadata={"description": "attendant id, zone code or device id"})
    started = fields.Integer()
    paid = fields.Integer()
    subscription = fields.Integer()
    unpaid = fields.Integer()
    unpaid_share = fields.Float()
    due = fields.Integer(metadata={"description": "rupiah due (visits not covered by a subscription)"})
    collected = fields.Integer(metadata={"description": "rupiah paid by QRIS"})
    settled = fields.Integer(
        allow_none=True, metadata={"description": "rupiah settled by the bank (payments)"}
    )
    outside_zone = fields.Integer()
    longest_gap_minutes = fields.Integer()
    flags = fields.List(fields.String())


class ReconciliationSchema(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    group = fields.String()
    rows = fields.List(fields.Nested(ReconciliationRowSchema))
    totals = fields.Nested(ReconciliationRowSchema)


class TargetQuerySchema(Schema):
    month = fields.String(
        required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"), metadata={"example": "2026-11"}
    )


class TargetSchema(Schema):
    zone_code = fields.String()
    month = fields.String()
    potential = fields.Integer()
    potential_source = fields.String(metadata={"description": "history (3 months before) or this_month"})
    target = fields.Integer(metadata={"description": "54% of the potential"})
    collected = fields.Integer()
    settled = fields.Integer(allow_none=True)
    met = fields.Boolean()


class NightlyQuerySchema(Schema):
    group = fields.String(load_default="zone", validate=validate.OneOf(["attendant", "zone", "device"]))
    limit = fields.Integer(load_default=7, validate=validate.Range(min=1, max=90))


class NightlySchema(Schema):
    day = fields.Date()
    group = fields.String()
    computed_at = LocalDateTime()
    result = fields.Nested(ReconciliationSchema)


class PaymentWaitSchema(Schema):
    wait = fields.Float(
        load_default=0, validate=validate.Range(min=0, max=25), metadata={"description": "long-poll seconds"}
    )


class PaymentStatusSchema(Schema):
    id = fields.String()
    reference = fields.String()
    amount = fields.Integer()
    payment_state = fields.String()
    paid_at = LocalDateTime(allow_none=True)


class PayByReferenceSchema(Schema):
    reference = fields.String()
    zone_code = fields.String()
    plate = fields.String(allow_none=True, metadata={"description": "masked"})
    amount = fields.Integer()
    payment_state = fields.String()
    billing_code = fields.String(allow_none=True)
    qris = fields.String(allow_none=True, metadata={"description": "dynamic QRIS payload while unpaid"})
    invoice_id = fields.String(allow_none=True)


class SubscriptionCreateSchema(Schema):
    plate = fields.String(required=True, validate=validate.Length(min=1, max=20))
    vehicle_class = fields.String(required=True, validate=validate.OneOf(VEHICLE_CLASSES))
    month = fields.String(
        required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"), metadata={"example": "2026-12"}
    )
    zones = fields.List(
        fields.String(validate=ZONE_CODE), load_default=list, validate=validate.Length(max=20)
    )


class SubscriptionSchema(Schema):
    id = fields.String()
    plate = fields.String()
    vehicle_class = fields.String()
    zones = fields.List(fields.String(), metadata={"description": "empty: the whole city"})
    starts_on = fields.Date()
    ends_on = fields.Date(metadata={"description": "last day (inclusive)"})
    amount = fields.Integer()
    state = fields.String()
    billing_code = fields.String(allow_none=True)
    qris = fields.String(allow_none=True)

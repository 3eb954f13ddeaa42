"""Death reports and views."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.extensions import LocalDateTime, Schema
from gateway.identity.schemas import NikField
from services.adminduk.schemas import DocumentLinkSchema, TransitionSchema


class DeathReportSchema(Schema):
    nik = NikField(required=True, metadata={"description": "NIK of the deceased"})
    full_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "the deceased's full name; must match the registry for the NIK"},
    )
    birth_date = fields.Date(
        required=True,
        metadata={"description": "the deceased's birth date; must match the registry for the NIK"},
    )
    died_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=validate.Length(min=2, max=120))
    cause = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    hospital_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    facility_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class DeathSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    state = fields.String()
    source = fields.String()
    review_reasons = fields.List(fields.String())
    decision_reason = fields.String(allow_none=True)
    nik = fields.String()
    name = fields.String()
    died_at = LocalDateTime()
    death_date = fields.Date()
    place = fields.String()
    akta_number = fields.String(allow_none=True)
    created_at = LocalDateTime()
    registered_at = LocalDateTime(allow_none=True)
    transitions = fields.List(fields.Nested(TransitionSchema))
    documents = fields.List(fields.Nested(DocumentLinkSchema))

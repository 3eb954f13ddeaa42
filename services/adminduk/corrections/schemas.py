"""Correction requests."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from gateway.extensions import LocalDateTime, Schema
from services.adminduk.schemas import NAME, AttachmentSchema, TransitionSchema


class CorrectionCreateSchema(Schema):
    document_id = fields.String(required=True, validate=validate.Length(equal=36))
    corrected_name = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(min=2, max=120), NAME]
    )
    corrected_birth_date = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    attachment = fields.Nested(AttachmentSchema, required=True)

    @validates_schema
    def _something(self, data: dict, **_kw: object) -> None:
        if not data.get("corrected_name") and not data.get("corrected_birth_date"):
            raise ValidationError("Give corrected_name and/or corrected_birth_date", "corrected_name")

    @post_load
    def _normalize(self, data: dict, **_kw: object) -> dict:
        if data.get("corrected_name"):
            data["corrected_name"] = " ".join(data["corrected_name"].upper().split())
        return data


class CorrectionArgsSchema(Schema):
    state = fields.String(
        load_default="submitted", validate=validate.OneOf(["submitted", "approved", "rejected"])
    )


class CorrectionSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    state = fields.String()
    document_id = fields.String()
    birth_id = fields.String()
    current_name = fields.String()
    current_birth_date = fields.Date()
    corrected_name = fields.String(allow_none=True)
    corrected_birth_date = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    attachment_content_type = fields.String()
    attachment_size = fields.Integer()
    decision_reason = fields.String(allow_none=True)
    created_at = LocalDateTime()
    decided_at = LocalDateTime(allow_none=True)
    transitions = fields.List(fields.Nested(TransitionSchema))

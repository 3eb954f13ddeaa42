"""The review queue's query and items."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.extensions import LocalDateTime, Schema


class ReviewArgsSchema(Schema):
    state = fields.String(
        load_default="needs_review",
        validate=validate.OneOf(["needs_review", "registered", "issued", "rejected"]),
    )
    kind = fields.String(load_default=None, validate=validate.OneOf(["birth", "death"]))


class ReviewItemSchema(Schema):
    kind = fields.String(metadata={"description": "birth | death"})
    id = fields.String()
    tracking_number = fields.String()
    state = fields.String()
    review_reasons = fields.List(fields.String())
    created_at = LocalDateTime()
    summary = fields.String()
    url = fields.String()

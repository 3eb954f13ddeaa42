"""Schemas every adminduk sub-feature shares: names, reasons, transitions, document links, decisions."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.extensions import LocalDateTime, Schema

NAME = validate.Regexp(
    r"^[A-Za-z][A-Za-z .,'\-]*$", error="Letters, spaces and . , ' - only, starting with a letter"
)


OPTIONAL_NAME = validate.Regexp(r"^\s*([A-Za-z][A-Za-z .,'\-]*)?$", error="Letters, spaces and . , ' - only")


REASON = fields.String(required=True, validate=validate.Length(min=3, max=300))


class TransitionSchema(Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor = fields.String()
    reason = fields.String(allow_none=True)
    at = LocalDateTime()


class DocumentLinkSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    number = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"description": "valid | replaced | revoked"})
    issued_at = LocalDateTime()
    rendered = fields.Boolean(metadata={"description": "the signed PDF is ready"})
    subject_resident_id = fields.String(allow_none=True)
    subject_name = fields.String(allow_none=True)
    pdf_url = fields.String()
    verify_url = fields.String()


class DecisionSchema(Schema):
    reason = REASON


class AttachmentSchema(Schema):
    content_type = fields.String(
        required=True, validate=validate.OneOf(["application/pdf", "image/jpeg", "image/png"])
    )
    data = fields.String(required=True, metadata={"description": "the file, base64; at most 2 MB decoded"})
    filename = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))

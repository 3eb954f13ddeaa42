"""Schemas of the public verify view."""

from __future__ import annotations

import marshmallow as ma

from gateway.extensions import LocalDateTime, Schema


class ReplacedBySchema(Schema):
    number = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)


class VerificationSchema(Schema):
    kind = ma.fields.String(required=True, metadata={"example": "akta_kelahiran"})
    number = ma.fields.String(required=True, metadata={"example": "1272-LT-13092023-0001"})
    version = ma.fields.Integer(required=True)
    status = ma.fields.String(
        required=True, metadata={"enum": ["valid", "replaced", "revoked"], "example": "valid"}
    )
    issued_at = LocalDateTime(required=True)
    title = ma.fields.String(required=True, metadata={"example": "KUTIPAN AKTA KELAHIRAN"})
    authority = ma.fields.String(required=True)
    public = ma.fields.Dict(
        required=True,
        metadata={
            "description": "Minimal, masked data of the document",
            "example": {"name_initials": "S.R.S.", "nik": "1272********0001"},
        },
    )
    replaced_by = ma.fields.Nested(ReplacedBySchema, allow_none=True)
    revoked_reason = ma.fields.String(allow_none=True)
    signed = ma.fields.Boolean(required=True)
    pdf_sha256 = ma.fields.String(
        allow_none=True, metadata={"description": "SHA-256 of the signed PDF; compare with your copy"}
    )
    scan_count = ma.fields.Integer(required=True, metadata={"description": "How often this code was checked"})

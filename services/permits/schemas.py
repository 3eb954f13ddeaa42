"""Request and response schemas of the permits endpoints (OSS's own payloads are in oss.py)."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.extensions import LocalDateTime, Schema


class PiaAnswerInnerSchema(Schema):
    status = fields.String(metadata={"description": '"1" accepted, "2" refused'})
    keterangan = fields.String()


class PiaAnswerSchema(Schema):
    responreceiveNIB = fields.Nested(PiaAnswerInnerSchema)  # noqa: N815 - the protocol's name


class PermitTypeSchema(Schema):
    code = fields.String()
    name = fields.String()
    kd_izin = fields.String(allow_none=True, metadata={"description": "OSS permit code; null: local only"})
    risk = fields.String()
    technical_opd = fields.String(allow_none=True)
    sla_workdays = fields.Integer()
    fiktif_positif = fields.Boolean(metadata={"description": "silence by the deadline approves"})
    validity_years = fields.Integer(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields")
    documents = fields.List(fields.Dict())
    steps = fields.List(fields.Dict())
    fee_formula = fields.String()


class FeeQuoteArgsSchema(Schema):
    data = fields.Dict(required=True, metadata={"description": "the permit type's fields"})


class FeeQuoteSchema(Schema):
    permit_type = fields.String()
    amount = fields.Integer(metadata={"description": "retribusi in whole rupiah"})


class OssCallSchema(Schema):
    id = fields.String()
    application_id = fields.String(allow_none=True)
    seq = fields.Integer()
    method = fields.String()
    state = fields.String(metadata={"description": "pending | sent | refused | failed"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    payload = fields.Dict()
    response = fields.Dict(allow_none=True)
    created_at = LocalDateTime()
    sent_at = LocalDateTime(allow_none=True)


class OssCallQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(("pending", "sent", "refused", "failed")))


class OssCallRetrySchema(Schema):
    fields_ = fields.Dict(
        data_key="fields",
        attribute="fields",
        load_default=None,
        metadata={"description": "corrected fields of the call's IZINSTATUS/IZINFINAL (optional)"},
    )


class OssInboundSchema(Schema):
    id = fields.String()
    endpoint = fields.String()
    nib = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "accepted | duplicate | refused"})
    status = fields.String()
    reason = fields.String(allow_none=True)
    keterangan = fields.String()
    applications = fields.List(fields.String())
    received_at = LocalDateTime()


class OssInboundQuerySchema(Schema):
    outcome = fields.String(validate=validate.OneOf(("accepted", "duplicate", "refused")))
    nib = fields.String(validate=validate.Length(1, 40))

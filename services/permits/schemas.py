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


# ---- businesses, applications, permits --------------------------------------------------------------

NIB = validate.Regexp(r"^\d{13}$", error="NIB is 13 digits")


class BusinessLinkSchema(Schema):
    nib = fields.String(required=True, validate=NIB)


class BusinessSchema(Schema):
    nib = fields.String()
    name = fields.String()
    address = fields.String(allow_none=True)
    kd_daerah = fields.String(allow_none=True)
    skala_usaha = fields.String(allow_none=True)
    status_nib = fields.String(allow_none=True)


class PermitApplicationCreateSchema(Schema):
    permit_type = fields.String(required=True, validate=validate.Length(1, 20))
    nib = fields.String(required=True, validate=NIB)
    kbli = fields.String(validate=validate.Regexp(r"^\d{5}$", error="KBLI is 5 digits"))
    data = fields.Dict(
        load_default=dict, metadata={"description": "the permit type's fields (may be partial)"}
    )


class PermitDataPatchSchema(Schema):
    data = fields.Dict(required=True, metadata={"description": "fields to set (merged into the data)"})


class PermitDocumentUploadSchema(Schema):
    doc_code = fields.String(required=True, validate=validate.Length(1, 40))
    filename = fields.String(required=True, validate=validate.Length(1, 200))
    content_type = fields.String(required=True, validate=validate.Length(1, 60))
    content_base64 = fields.String(required=True, validate=validate.Length(1, 15_000_000))


class PermitActionSchema(Schema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(
            ("submit", "request_correction", "answer_correction", "complete_step", "approve", "reject")
        ),
        metadata={"description": "what the caller's role may do now: see `actions` of the application"},
    )
    note = fields.String(
        validate=validate.Length(1, 1000),
        metadata={
            "description": "the reason (required to request a correction or reject): the applicant sees it"
        },
    )


class PermitHistorySchema(Schema):
    at = LocalDateTime()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    kd_status = fields.String(allow_none=True, metadata={"description": "the PIA status pushed to OSS"})
    status_name = fields.String(allow_none=True)
    actor = fields.String()
    note = fields.String(allow_none=True)


class PermitClockEventSchema(Schema):
    at = LocalDateTime()
    kd_status = fields.String(metadata={"description": "41 paused, 42 resumed, 43 reset, 44 restarted"})
    what = fields.String()
    reason = fields.String(allow_none=True)


class PermitClockSchema(Schema):
    submitted_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True, metadata={"description": "the whole application's deadline"})
    step = fields.String(allow_none=True)
    step_due_at = LocalDateTime(allow_none=True)
    paused = fields.Boolean()
    paused_since = LocalDateTime(allow_none=True)
    pause_reason = fields.String(allow_none=True)
    overdue = fields.Boolean()
    reset = fields.Boolean(
        metadata={
            "description": "the applicant changed the data during this correction (43): the deadlines "
            "start over, full length, when she answers (44 restarted)"
        }
    )
    events = fields.List(fields.Nested(PermitClockEventSchema))


class PermitUploadSchema(Schema):
    id = fields.String()
    doc_code = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = LocalDateTime()


class PermitLinkSchema(Schema):
    id = fields.String()
    number = fields.String()
    permit_type = fields.String()
    business_name = fields.String()
    status = fields.String(metadata={"description": "active | warning | suspended | revoked | expired"})
    status_note = fields.String(allow_none=True)
    fiktif_positif = fields.Boolean()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    document_id = fields.String(allow_none=True)
    pdf_url = fields.String(allow_none=True)
    verify_url = fields.String(allow_none=True)


class PermitApplicationSchema(Schema):
    id = fields.String()
    number = fields.String()
    permit_type = fields.String()
    permit_type_name = fields.String()
    channel = fields.String(metadata={"description": "oss | app | counter"})
    nib = fields.String(allow_none=True)
    business_name = fields.String()
    id_izin = fields.String(allow_none=True)
    kd_izin = fields.String(allow_none=True)
    kbli = fields.String(allow_none=True)
    state = fields.String()
    step = fields.String(allow_none=True)
    current_opd = fields.String(allow_none=True)
    kd_status = fields.String(allow_none=True)
    status_name = fields.String(allow_none=True)
    review_round = fields.Integer()
    max_review_rounds = fields.Integer()
    version = fields.Integer()
    data = fields.Dict()
    fee_amount = fields.Integer(allow_none=True)
    billing_code = fields.String(allow_none=True)
    invoice_id = fields.String(allow_none=True)
    correction_note = fields.String(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    documents = fields.List(fields.Nested(PermitUploadSchema))
    required_documents = fields.List(fields.String())
    clock = fields.Nested(PermitClockSchema)
    history = fields.List(fields.Nested(PermitHistorySchema))
    actions = fields.List(fields.String(), metadata={"description": "what the caller may do now"})
    permit = fields.Nested(PermitLinkSchema, allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class PermitQueueArgsSchema(Schema):
    state = fields.String(validate=validate.Length(1, 24))
    permit_type = fields.String(validate=validate.Length(1, 20))
    step = fields.String(validate=validate.Length(1, 20))
    nib = fields.String(validate=NIB)
    overdue = fields.Boolean(metadata={"description": "only what is past its step deadline"})


class PermitQueueItemSchema(Schema):
    id = fields.String()
    number = fields.String()
    permit_type = fields.String()
    business_name = fields.String()
    nib = fields.String(allow_none=True)
    state = fields.String()
    step = fields.String(allow_none=True)
    current_opd = fields.String(allow_none=True)
    kd_status = fields.String(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    step_due_at = LocalDateTime(allow_none=True)
    paused = fields.Boolean()
    overdue = fields.Boolean()
    version = fields.Integer()
    updated_at = LocalDateTime()


class MyPermitsSchema(Schema):
    nibs = fields.List(fields.String())
    applications = fields.List(fields.Nested(PermitQueueItemSchema))
    permits = fields.List(fields.Nested(PermitLinkSchema))


class PermitRegisterArgsSchema(Schema):
    permit_type = fields.String(validate=validate.Length(1, 20))
    status = fields.String(validate=validate.OneOf(("active", "warning", "suspended", "revoked", "expired")))
    q = fields.String(validate=validate.Length(1, 100), metadata={"description": "part of the business name"})


class PermitRegisterItemSchema(Schema):
    number = fields.String()
    permit_type = fields.String()
    permit_type_name = fields.String()
    business_name = fields.String()
    issued_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    status = fields.String()
    fiktif_positif = fields.Boolean()


class PermitStatusSchema(Schema):
    kd_status = fields.String(
        required=True,
        validate=validate.OneOf(("60", "70", "80")),
        metadata={"description": "60 warning, 70 suspension, 80 revocation (sanction)"},
    )
    note = fields.String(required=True, validate=validate.Length(1, 500))

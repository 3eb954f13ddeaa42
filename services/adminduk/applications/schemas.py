"""Request and response schemas of the online applications (KK change, reprint, moving out)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from gateway.extensions import LocalDateTime, Schema
from gateway.identity import kk_fields
from gateway.identity.schemas import NikField
from services.adminduk.applications.models import KINDS, KK_CHANGES, REPRINTS, STATES

ATTACHMENT_KINDS = ("marriage_certificate", "police_loss_report", "ijazah", "supporting_document")
EDUCATION = kk_fields.EDUCATION  # as SIAK records them (the KK's "Pendidikan" column)
# Reasons for moving as the SKPWNI form lists them.
MOVE_REASONS = ("pekerjaan", "pendidikan", "keamanan", "kesehatan", "perumahan", "keluarga", "lainnya")
MAX_ATTACHMENTS = 3  # three files of 2 MB fit the 8 MB request limit once base64-encoded
RT_RW = validate.Regexp(r"^\d{1,3}$", error="1 to 3 digits")


class ApplicationUploadSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(ATTACHMENT_KINDS),
        metadata={"description": "which requirement the file meets"},
    )
    content_type = fields.String(
        required=True,
        validate=validate.Length(max=100),
        metadata={"description": "application/pdf, image/jpeg or image/png (checked against the content)"},
    )
    data = fields.String(required=True, metadata={"description": "the file, base64; at most 2 MB decoded"})
    filename = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))


class KkChangeSchema(Schema):
    change = fields.String(required=True, validate=validate.OneOf(KK_CHANGES))
    resident_nik = NikField(
        load_default=None,
        allow_none=True,
        metadata={"description": "the family member whose data changes (default: the applicant)"},
    )
    kelurahan_code = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "address: the new kelurahan, Kemendagri code within the city (12.72.xx.xxxx)"
        },
    )
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=5, max=200))
    rt = fields.String(load_default=None, allow_none=True, validate=RT_RW)
    rw = fields.String(load_default=None, allow_none=True, validate=RT_RW)
    occupation = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=80))
    education = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(EDUCATION))
    marriage_date = fields.Date(load_default=None, allow_none=True)
    marriage_certificate_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=3, max=60)
    )

    @validates_schema
    def _required_for_change(self, data: dict, **_kw: object) -> None:
        needed = {
            "address": ("kelurahan_code", "address", "rt", "rw"),
            "occupation": ("occupation",),
            "education": ("education",),
            "marital_status": ("marriage_date", "marriage_certificate_number"),
        }[data["change"]]
        missing = {name: ["Required for this change"] for name in needed if not data.get(name)}
        if missing:
            raise ValidationError(missing)

    @post_load
    def _normalize(self, data: dict, **_kw: object) -> dict:
        for name in ("rt", "rw"):
            if data.get(name):
                data[name] = f"{int(data[name]):03d}"
        for name in ("occupation", "address", "marriage_certificate_number"):
            if data.get(name):
                data[name] = " ".join(data[name].split())
        if data.get("occupation"):
            data["occupation"] = data["occupation"].upper()
        if data.get("kelurahan_code"):
            data["kelurahan_code"] = data["kelurahan_code"].strip()
        return {k: v for k, v in data.items() if v is not None}


class ReprintSchema(Schema):
    document = fields.String(required=True, validate=validate.OneOf(REPRINTS))
    resident_nik = NikField(
        load_default=None,
        allow_none=True,
        metadata={"description": "akta/KIA: whose (yourself or your child; default yourself)"},
    )
    police_report_number = fields.String(
        required=True,
        validate=validate.Length(min=3, max=60),
        metadata={"description": "number of the police's surat keterangan kehilangan"},
    )
    lost_on = fields.Date(load_default=None, allow_none=True)

    @post_load
    def _normalize(self, data: dict, **_kw: object) -> dict:
        data["police_report_number"] = " ".join(data["police_report_number"].split())
        return {k: v for k, v in data.items() if v is not None}


class MoveOutSchema(Schema):
    destination_region_code = fields.String(
        required=True,
        validate=validate.Length(min=4, max=13),
        metadata={"description": "Kemendagri kab/kota (e.g. 12.71) or kecamatan (12.71.01) outside the city"},
    )
    destination_address = fields.String(required=True, validate=validate.Length(min=5, max=200))
    reason = fields.String(required=True, validate=validate.OneOf(MOVE_REASONS))
    member_niks = fields.List(
        NikField(),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "family members who move (default: the applicant alone)"},
    )
    new_head_nik = NikField(
        load_default=None,
        allow_none=True,
        metadata={"description": "required when the head of family moves and others stay"},
    )
    planned_date = fields.Date(load_default=None, allow_none=True)

    @post_load
    def _normalize(self, data: dict, **_kw: object) -> dict:
        data["destination_address"] = " ".join(data["destination_address"].split())
        return {k: v for k, v in data.items() if v is not None}


class ApplicationCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    kk_change = fields.Nested(KkChangeSchema, load_default=None, allow_none=True)
    reprint = fields.Nested(ReprintSchema, load_default=None, allow_none=True)
    move_out = fields.Nested(MoveOutSchema, load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    attachments = fields.List(
        fields.Nested(ApplicationUploadSchema),
        load_default=list,
        validate=validate.Length(max=MAX_ATTACHMENTS),
    )

    @validates_schema
    def _one_spec(self, data: dict, **_kw: object) -> None:
        kind = data.get("kind")
        if kind and not data.get(kind):
            raise ValidationError({kind: ["Required for this kind of application"]})
        extra = {
            k: ["Only the section of the application's kind"] for k in KINDS if k != kind and data.get(k)
        }
        if extra:
            raise ValidationError(extra)


class ApplicationResubmitSchema(Schema):
    kk_change = fields.Nested(KkChangeSchema, load_default=None, allow_none=True)
    reprint = fields.Nested(ReprintSchema, load_default=None, allow_none=True)
    move_out = fields.Nested(MoveOutSchema, load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    attachments = fields.List(
        fields.Nested(ApplicationUploadSchema),
        load_default=list,
        validate=validate.Length(max=MAX_ATTACHMENTS),
        metadata={"description": "files replacing the earlier ones of the same kind"},
    )

    @validates_schema
    def _at_most_one_spec(self, data: dict, **_kw: object) -> None:
        if sum(1 for k in KINDS if data.get(k)) > 1:
            raise ValidationError("Give only the section of the application's kind", "_schema")


class ApplicationCancelSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class ApplicationReviewSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ApplicationApproveSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ApplicationRejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class ApplicationCorrectionRequestSchema(Schema):
    note = fields.String(
        required=True,
        validate=validate.Length(min=3, max=1000),
        metadata={"description": "what the citizen must correct, shown to them"},
    )


class ApplicationNoteSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    visible_to_citizen = fields.Boolean(load_default=False)


class ApplicationQueueArgsSchema(Schema):
    state = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(STATES),
        metadata={"description": "default: submitted and in_review (the files with the office)"},
    )
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(KINDS))
    sub_kind = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(KK_CHANGES + REPRINTS)
    )
    older_than_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=3650),
        metadata={"description": "submitted at least this many calendar days ago"},
    )
    overdue = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "true: past the SLA deadline and still with the office; false: not"},
    )


class MyApplicationsArgsSchema(Schema):
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATES))


class ApplicationEmptyArgsSchema(Schema):
    pass


class ApplicationEventSchema(Schema):
    id = fields.String()
    kind = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor = fields.String()
    note = fields.String(allow_none=True)
    visible_to_citizen = fields.Boolean()
    at = LocalDateTime()


class ApplicationFileSchema(Schema):
    id = fields.String()
    kind = fields.String()
    filename = fields.String(allow_none=True)
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = LocalDateTime()
    superseded = fields.Boolean()
    url = fields.String()


class ApplicationDocumentSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    number = fields.String()
    version = fields.Integer()
    status = fields.String()
    issued_at = LocalDateTime()
    pdf_url = fields.String()
    verify_url = fields.String()


class ApplicationSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    kind = fields.String()
    sub_kind = fields.String(allow_none=True)
    state = fields.String()
    version = fields.Integer()
    applicant_name = fields.String()
    applicant_nik = fields.String(metadata={"description": "masked"})
    subject_name = fields.String()
    subject_nik = fields.String(metadata={"description": "masked"})
    details = fields.Dict()
    citizen_note = fields.String(allow_none=True)
    channel = fields.String(metadata={"description": "app or counter"})
    required_attachments = fields.List(fields.String())
    sla_workdays = fields.Integer()
    submitted_at = LocalDateTime()
    due_at = LocalDateTime()
    overdue = fields.Boolean()
    correction_note = fields.String(allow_none=True)
    resubmissions = fields.Integer()
    decision_reason = fields.String(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    fee = fields.Integer(
        metadata={"description": "always 0: population documents are free (UU 24/2013 art. 79A)"}
    )
    attachments = fields.List(fields.Nested(ApplicationFileSchema))
    events = fields.List(fields.Nested(ApplicationEventSchema))
    documents = fields.List(fields.Nested(ApplicationDocumentSchema))
    created_at = LocalDateTime()


class ApplicationQueueItemSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    kind = fields.String()
    sub_kind = fields.String(allow_none=True)
    state = fields.String()
    applicant_name = fields.String()
    applicant_nik = fields.String(metadata={"description": "masked"})
    channel = fields.String()
    submitted_at = LocalDateTime()
    due_at = LocalDateTime()
    overdue = fields.Boolean()
    age_days = fields.Integer(metadata={"description": "calendar days since the last (re)submission"})
    url = fields.String()

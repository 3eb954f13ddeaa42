"""Request and response schemas of the adminduk endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from gateway.extensions import LocalDateTime, Schema
from gateway.identity.schemas import NikField

WEIGHT_GRAMS = (300, 7000)
LENGTH_CM = (20.0, 70.0)
MAX_MULTIPLE_BIRTH = 9
NAME = validate.Regexp(
    r"^[A-Za-z][A-Za-z .,'\-]*$", error="Letters, spaces and . , ' - only, starting with a letter"
)
OPTIONAL_NAME = validate.Regexp(r"^\s*([A-Za-z][A-Za-z .,'\-]*)?$", error="Letters, spaces and . , ' - only")
REASON = fields.String(required=True, validate=validate.Length(min=3, max=300))


# ---- births ---------------------------------------------------------------------------------------------


class BirthReportSchema(Schema):
    child_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=120), OPTIONAL_NAME],
        metadata={
            "description": "may be empty at birth; the parents name the child later. A hospital's "
            "stand-in ('By. Ny. Siti …', 'Bayi Ny. …', 'Bayi dari …') counts as no name"
        },
    )
    sex = fields.String(required=True, validate=validate.OneOf(["L", "P"]), metadata={"description": "L / P"})
    born_at = fields.AwareDateTime(
        required=True, metadata={"description": "date and time of birth, with offset"}
    )
    birth_place = fields.String(load_default="PEMATANGSIANTAR", validate=validate.Length(min=2, max=80))
    weight_grams = fields.Integer(required=True, validate=validate.Range(*WEIGHT_GRAMS))
    length_cm = fields.Float(load_default=None, allow_none=True, validate=validate.Range(*LENGTH_CM))
    multiple_birth_order = fields.Integer(load_default=1, validate=validate.Range(1, MAX_MULTIPLE_BIRTH))
    attendant = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=120),
        metadata={"description": "birth attendant, e.g. 'dr. Sari Lubis, Sp.OG' or 'Bidan'"},
    )
    mother_nik = NikField(required=True)
    mother_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=120),
        metadata={"description": "optional; if given it must match the registry for mother_nik"},
    )
    mother_birth_date = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "optional; if given it must match the registry for mother_nik"},
    )
    father_nik = NikField(load_default=None, allow_none=True)
    hospital_reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    facility_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "optional; must be the calling client's facility"},
    )

    @post_load
    def _normalize(self, data: dict, **_kw: object) -> dict:
        data["child_name"] = " ".join((data.get("child_name") or "").upper().split()) or None
        return data


class FhirBundleSchema(Schema):
    """An HL7 FHIR R4 Bundle; its content is validated by the fhir.resources R4B models, not here."""

    resourceType = fields.String(required=True)  # noqa: N815 - FHIR's field name

    class Meta:
        unknown = ma.INCLUDE


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


class BirthListArgsSchema(Schema):
    state = fields.String(
        load_default=None,
        validate=validate.OneOf(["notified", "needs_review", "registered", "issued", "rejected"]),
    )
    hospital_reference = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class BirthSummarySchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    state = fields.String()
    hospital_reference = fields.String()
    facility_code = fields.String()
    sex = fields.String()
    birth_date = fields.Date()
    multiple_birth_order = fields.Integer()
    child_nik = fields.String(allow_none=True)
    akta_number = fields.String(allow_none=True)
    created_at = LocalDateTime()


class BirthSchema(Schema):
    id = fields.String()
    tracking_number = fields.String()
    state = fields.String(
        metadata={"description": "notified | needs_review | registered | issued | rejected"}
    )
    review_reasons = fields.List(fields.String())
    decision_reason = fields.String(allow_none=True)
    hospital_reference = fields.String()
    facility_code = fields.String()
    child_name = fields.String(allow_none=True)
    sex = fields.String()
    birth_date = fields.Date()
    born_at = LocalDateTime(allow_none=True)
    multiple_birth_order = fields.Integer()
    child_nik = fields.String(allow_none=True)
    akta_number = fields.String(allow_none=True)
    parents_married = fields.Boolean(allow_none=True)
    created_at = LocalDateTime()
    registered_at = LocalDateTime(allow_none=True)
    transitions = fields.List(fields.Nested(TransitionSchema))
    documents = fields.List(fields.Nested(DocumentLinkSchema))


class NameChildSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=2, max=120), NAME])


class DecisionSchema(Schema):
    reason = REASON


# ---- reviews --------------------------------------------------------------------------------------------


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


# ---- my documents ---------------------------------------------------------------------------------------


class MyDocumentsArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["valid", "replaced", "revoked"]))


# ---- corrections ----------------------------------------------------------------------------------------


class AttachmentSchema(Schema):
    content_type = fields.String(
        required=True, validate=validate.OneOf(["application/pdf", "image/jpeg", "image/png"])
    )
    data = fields.String(required=True, metadata={"description": "the file, base64; at most 2 MB decoded"})
    filename = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))


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


# ---- deaths ---------------------------------------------------------------------------------------------


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

"""Birth reports (JSON and FHIR), lists, views and naming."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, post_load, validate

from gateway.extensions import LocalDateTime, Schema
from gateway.identity.schemas import NikField
from services.adminduk.schemas import NAME, OPTIONAL_NAME, DocumentLinkSchema, TransitionSchema

WEIGHT_GRAMS = (300, 7000)


LENGTH_CM = (20.0, 70.0)


MAX_MULTIPLE_BIRTH = 9


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

"""Request and response schemas of the identity endpoints."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from gateway.extensions import LocalDateTime, Schema
from gateway.identity import nik as nik_rules
from gateway.identity import phones


class NikField(fields.String):
    """A structurally valid NIK with a real Kemendagri region and a real date."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        # The demo mother's NIK: an example that exists in every demo database (README).
        kwargs["metadata"] = {"example": "1272015203959001", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            nik_rules.parse(value)
        except nik_rules.InvalidNik as exc:
            raise ValidationError(str(exc)) from exc
        return value


class PhoneField(fields.String):
    """An Indonesian phone number, stored as E.164."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["metadata"] = {"example": "+6281260000002", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return phones.normalize(value)
        except phones.InvalidPhone as exc:
            raise ValidationError(str(exc)) from exc


PASSWORD = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=128))
OTP = fields.String(required=True, load_only=True, validate=validate.Regexp(r"^\d{6}$", error="6 digits"))


def masked_nik(obj: object) -> str:
    return nik_rules.mask(getattr(obj, "nik", None))


class SignupSchema(Schema):
    nik = NikField(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    birth_date = fields.Date(required=True)
    phone = PhoneField(required=True)


class ChallengeSchema(Schema):
    id = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    sent_to = fields.String(required=True, metadata={"description": "masked phone number"})


class SignupVerifySchema(Schema):
    otp = OTP
    password = PASSWORD


class PasswordResetSchema(Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=3, max=60),
        metadata={"description": "NIK or phone number"},
    )


class PasswordResetChallengeSchema(Schema):
    id = fields.String(required=True)


class PasswordResetConfirmSchema(Schema):
    otp = OTP
    password = PASSWORD


class LoginSchema(Schema):
    username = fields.String(
        required=True,
        validate=validate.Length(min=3, max=60),
        metadata={"description": "NIK, phone number or staff username"},
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String()
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    scope = fields.String()


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=10, max=200))


class LogoutSchema(Schema):
    refresh_token = fields.String(validate=validate.Length(min=10, max=200))


class ClientCredentialsSchema(Schema):
    """RFC 6749 §4.4 form body."""

    grant_type = fields.String(required=True, validate=validate.Equal("client_credentials"))
    client_id = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "or HTTP Basic authentication (RFC 6749 §2.3.1)"},
    )
    client_secret = fields.String(load_only=True, validate=validate.Length(min=1, max=200))
    scope = fields.String(validate=validate.Length(max=500))


class FamilyMemberSchema(Schema):
    nik = fields.Function(masked_nik)
    full_name = fields.String()
    sex = fields.String()
    birth_date = fields.Date()
    family_relationship = fields.String()


class ResidentSchema(Schema):
    nik = fields.Function(masked_nik, metadata={"description": "masked: region and serial only"})
    kk_number = fields.Function(lambda r: nik_rules.mask(r.kk_number))
    full_name = fields.String()
    sex = fields.String()
    birth_place = fields.String()
    birth_date = fields.Date()
    family_relationship = fields.String()
    marital_status = fields.String()
    kelurahan_code = fields.String()
    address = fields.String()
    rt = fields.String()
    rw = fields.String()


class MeSchema(Schema):
    resident = fields.Nested(ResidentSchema)
    phone = fields.String(allow_none=True)
    family = fields.List(fields.Nested(FamilyMemberSchema))


class AccessLogSchema(Schema):
    at = LocalDateTime()
    actor_role = fields.String()
    actor_opd = fields.String(allow_none=True)
    action = fields.String()
    resource = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    ref = fields.String(allow_none=True)
    read_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()


class StaffCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9._-]{3,60}$"))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(
        required=True, validate=validate.OneOf(["admin", "officer", "counter", "attendant", "finance"])
    )
    opd_code = fields.String(load_default=None, allow_none=True)
    position = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    zones = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)
    password = PASSWORD

    @validates("opd_code")
    def _opd(self, value: str | None, **_: object) -> None:
        if value is not None and not value.strip():
            raise ValidationError("must not be blank")


class StaffUpdateSchema(Schema):
    active = fields.Boolean()
    role = fields.String(validate=validate.OneOf(["admin", "officer", "counter", "attendant", "finance"]))
    opd_code = fields.String(allow_none=True)
    position = fields.String(allow_none=True, validate=validate.Length(max=40))
    zones = fields.List(fields.String(validate=validate.Length(max=40)))

    @validates("opd_code")
    def _opd(self, value: str | None, **_: object) -> None:
        if value is not None and not value.strip():
            raise ValidationError("must not be blank (null removes the OPD)")


class StaffSchema(Schema):
    id = fields.String()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    opd_code = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    zones = fields.List(fields.String())
    active = fields.Boolean()


class OpdSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class ClientCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    scopes = fields.List(fields.String(validate=validate.Regexp(r"^[a-z0-9_.]+:[a-z0-9_.]+$")), required=True)
    facility_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class ClientCreatedSchema(Schema):
    client_id = fields.String()
    client_secret = fields.String(metadata={"description": "shown once"})
    name = fields.String()
    scopes = fields.List(fields.String())
    facility_code = fields.String(allow_none=True)

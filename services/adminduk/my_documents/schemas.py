"""My documents' query."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.extensions import Schema


class MyDocumentsArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["valid", "replaced", "revoked"]))

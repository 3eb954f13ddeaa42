"""The OpenAPI contract, completed for every operation automatically (an apispec plugin).

A view only states what is its own (schemas, `@blp.auth`/`@blp.public`, `@blp.etag`); this plugin adds
what follows from the gateway's conventions, so an endpoint added tomorrow is documented the same way:
a stable operationId, the gateway's headers (Idempotency-Key, X-On-Behalf-Of/-Reason, X-Request-ID),
the security schemes a caller may use, an example for every request body, 415 where there is a body,
429 + Retry-After where the view is rate limited, and Open311's own error arrays and XML on /open311/.
The content types it documents are also the ones `reject_unsupported_media_type` enforces (415).
"""

from __future__ import annotations

import re
import sre_constants
import sre_parse
from copy import deepcopy
from typing import Any

from apispec import BasePlugin
from flask import Flask, request
from flask_limiter.util import get_qualified_name

from gateway.errors import UnsupportedMediaType

TOKEN_URL = "/api/v1/auth/token"
OPEN311_PREFIX = "/open311/"
BODY_METHODS = ("post", "put", "patch")
CLIENT_ROLE = "client"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from POST /api/v1/auth/login (people) or /api/v1/auth/token "
        "(machine clients).",
    },
    "oauth2ClientCredentials": {
        "type": "oauth2",
        "description": "Machine clients (hospital SIMRS, Open311 clients): RFC 6749 §4.4, client "
        "authentication by HTTP Basic or client_id/client_secret in the form body.",
        "flows": {"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": {}}},
    },
    "open311ApiKey": {
        "type": "apiKey",
        "in": "query",
        "name": "api_key",
        "description": "Open311 GeoReport v2: api_key = client_id:client_secret of a client with scope "
        "open311:write (also accepted as the api_key form field).",
    },
}
# What each scope allows; a scope a view requires that is not listed here is documented by its name.
SCOPE_DESCRIPTIONS = {
    "births:write": "Report births (hospitals)",
    "deaths:write": "Report deaths (hospitals)",
    "open311:write": "Post Open311 service requests",
}

PARAMETERS: dict[str, dict[str, Any]] = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "description": "1-200 characters, one per attempt at creating something. The same key with the "
        "same body replays the first answer (Idempotent-Replayed: true); with another body it is 422 "
        "idempotency_key_reused. Required for machine clients (400 idempotency_key_required).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        "example": "rsud-djasamen:birth:RM-2026-000123",
    },
    "OnBehalfOf": {
        "name": "X-On-Behalf-Of",
        "in": "header",
        "description": "Counter staff only: the NIK of the citizen who is present; the request is made "
        "as her and appears in her access log. Needs X-On-Behalf-Reason.",
        "schema": {"type": "string", "pattern": r"^\d{16}$"},
    },
    "OnBehalfReason": {
        "name": "X-On-Behalf-Reason",
        "in": "header",
        "description": "Why the counter acts for the citizen (e.g. 'KTP-el shown at counter 3').",
        "schema": {"type": "string", "maxLength": 200},
    },
    "RequestId": {
        "name": "X-Request-ID",
        "in": "header",
        "description": "Your id for this request (1-64 printable characters), echoed back and logged; "
        "one is made when absent.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 64},
    },
}
HEADERS: dict[str, dict[str, Any]] = {
    "RequestId": {
        "description": "The request's id (yours, or one made for it)",
        "schema": {"type": "string"},
    },
    "RetryAfter": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}},
}
XML_TYPES = ("text/xml",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def operation_id(endpoint: str, method: str) -> str:
    """`identity.Login` + post → `identity_login_post`: stable as long as the blueprint and view keep
    their names; unique because Flask endpoints are."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", endpoint.replace(".", "_"))
    return re.sub(r"[^0-9a-zA-Z]+", "_", f"{words}_{method}").strip("_").lower()


class ContractPlugin(BasePlugin):
    """Completes each operation as flask-smorest registers it (after the marshmallow plugin)."""

    def __init__(self, app: Flask, limiter: Any) -> None:
        self.app = app
        self.limiter = limiter
        self.spec: Any = None
        self.scopes: dict[str, str] = {}
        # (endpoint, METHOD) -> the request body's content types: what the 415 check accepts.
        self.body_types: dict[tuple[str, str], tuple[str, ...]] = {}
        app.extensions["openapi_contract"] = self

    def init_spec(self, spec: Any) -> None:
        super().init_spec(spec)
        self.spec = spec
        schemes = deepcopy(SECURITY_SCHEMES)
        self.scopes = schemes["oauth2ClientCredentials"]["flows"]["clientCredentials"]["scopes"]
        for name, scheme in schemes.items():
            spec.components.security_scheme(name, scheme)
        for name, parameter in PARAMETERS.items():
            spec.components.parameter(name, parameter["in"], parameter)
        for name, header in HEADERS.items():
            spec.components.header(name, header)

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        open311 = (path or "").startswith(OPEN311_PREFIX)
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation.setdefault("operationId", operation_id(rule.endpoint, method))
            self._parameters(operation, method)
            self._security(operation)
            body = operation.get("requestBody", {}).get("content", {})
            if body:
                self.body_types[(rule.endpoint, method.upper())] = tuple(body)
                for media in body.values():
                    if "example" not in media and "examples" not in media:
                        media["example"] = self.example(media.get("schema", {}))
                operation["responses"].setdefault("415", self._error("Unsupported Content-Type", open311))
            if self._rate_limited(rule.endpoint):
                response = self._error("Too many requests: wait Retry-After seconds", open311)
                response["headers"] = {"Retry-After": _ref("headers", "RetryAfter")}
                operation["responses"].setdefault("429", response)
            if open311:
                self._open311(operation)
            else:
                self._other_error_shapes(operation, method)
            for response in operation["responses"].values():
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("headers", {}).setdefault(
                        "X-Request-ID", _ref("headers", "RequestId")
                    )

    # ---- pieces -----------------------------------------------------------------------------------

    def _parameters(self, operation: dict[str, Any], method: str) -> None:
        params = operation.setdefault("parameters", [])
        names = {p.get("name") for p in params if isinstance(p, dict)}
        wanted = ["RequestId"]
        if method == "post":
            wanted.append("IdempotencyKey")
        roles = operation.get("x-roles") or ()
        if "counter" in roles:
            wanted += ["OnBehalfOf", "OnBehalfReason"]
        for name in wanted:
            if PARAMETERS[name]["name"] not in names:
                param: Any = name  # a component's name: apispec turns it into its $ref
                if name == "IdempotencyKey" and roles and set(roles) == {CLIENT_ROLE}:
                    # Only machine clients may call it, and they must send the key: required here.
                    param = {**PARAMETERS[name], "required": True}
                params.append(param)

    def _security(self, operation: dict[str, Any]) -> None:
        """Views machine clients may call also name the OAuth2 client-credentials scheme and its scopes."""
        roles = operation.get("x-roles") or ()
        scopes = list(operation.get("x-scopes") or ())
        security = operation.get("security") or []
        if CLIENT_ROLE in roles:
            entry = {"oauth2ClientCredentials": scopes}
            if entry not in security:
                security.append(entry)
        for entry in security:
            for scope in entry.get("oauth2ClientCredentials", ()):
                self.scopes.setdefault(scope, SCOPE_DESCRIPTIONS.get(scope, f"Scope {scope}"))

    def _rate_limited(self, endpoint: str) -> bool:
        view = self.app.view_functions.get(endpoint)
        if view is None:
            return False
        return bool(self.limiter.limit_manager.decorated_limits(get_qualified_name(view)))

    def _error(self, description: str, open311: bool) -> dict[str, Any]:
        if open311:
            return {"description": description, "content": _open311_error_content()}
        return {
            "description": description,
            "content": {"application/json": {"schema": _ref("schemas", "Error")}},
        }

    def _open311(self, operation: dict[str, Any]) -> None:
        """GeoReport v2 answers errors as arrays, and every answer also as XML on the .xml path."""
        for status, response in list(operation["responses"].items()):
            if isinstance(response, str) or "$ref" in response:  # the API's error body: not here
                operation["responses"][status] = {
                    "description": "Error (GeoReport v2 error array)",
                    "content": _open311_error_content(),
                }
                continue
            content = response.get("content")
            if content and "application/json" in content:
                for xml in XML_TYPES:
                    content.setdefault(xml, {"schema": {"type": "string", "description": "GeoReport v2 XML"}})

    def _other_error_shapes(self, operation: dict[str, Any], method: str) -> None:
        """Where a view answers errors in another protocol's shape, document both shapes: errors raised
        before the view (a bad token, a reused Idempotency-Key, 415) are still the API's error body.

        A view declares its own error media types with `@blp.doc(**{"x-error-content": {type: media}})`.
        """
        extra = operation.pop("x-error-content", None)
        responses = operation["responses"]
        for key, response in list(responses.items()):
            status = str(key)
            if not (status == "default" or status[:1] in "45"):
                continue
            if extra:
                if isinstance(response, str) or "$ref" in response:
                    response = {"description": "Error"}
                content = response.setdefault("content", {})
                content.setdefault("application/json", {"schema": _ref("schemas", "Error")})
                content.update(deepcopy(extra))
                responses[key] = response
            elif method == "post" and status in ("400", "409", "422") and isinstance(response, dict):
                media = response.get("content", {}).get("application/json")
                if media and media.get("schema") not in (_ref("schemas", "Error"), "Error"):
                    # The gateway's Idempotency-Key answers (400, 409, 422) come before the view.
                    media["schema"] = {"anyOf": [media["schema"], _ref("schemas", "Error")]}

    # ---- examples ---------------------------------------------------------------------------------

    def example(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """A value that satisfies `schema` (given examples and defaults first), for docs and clients."""
        schema = self._resolve(schema)
        if depth > 6:
            return None
        for key in ("example", "default"):
            if key in schema and schema[key] is not None:
                return schema[key]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("oneOf", "anyOf"):
            options = [o for o in schema.get(key, ()) if self._resolve(o).get("type") != "null"]
            if options:
                return self.example(options[0], depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            required = schema.get("required", list(props))
            return {
                name: self.example(props[name], depth + 1)
                for name in props
                if name in required and not props[name].get("readOnly")
            } or {
                name: self.example(prop, depth + 1)
                for name, prop in props.items()
                if not prop.get("readOnly")
            }
        if kind == "array":
            return [self.example(schema.get("items", {}), depth + 1)]
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return float(schema.get("minimum", 1))
        if kind == "boolean":
            return True
        return _string_example(schema)

    def _resolve(self, schema: Any) -> dict[str, Any]:
        if isinstance(schema, str):
            schema = _ref("schemas", schema)
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.spec.components.schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        if isinstance(schema, dict) and "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self._resolve(part))
            return merged
        return schema if isinstance(schema, dict) else {}


def _open311_error_content() -> dict[str, Any]:
    array = {"type": "array", "items": _ref("schemas", "Open311Error")}
    return {
        "application/json": {"schema": array},
        **{
            xml: {"schema": {"type": "string", "description": "GeoReport v2 XML <errors>"}}
            for xml in XML_TYPES
        },
    }


_FORMATS = {
    "date": "2026-11-24",
    "date-time": "2026-11-24T08:15:00+07:00",
    "email": "warga@example.org",
    "uuid": "0190f5c6-5a3e-7c2b-9d1e-3f4a5b6c7d8e",
    "uri": "https://example.org/",
    "url": "https://example.org/",
    "ipv4": "192.0.2.1",
}


def _string_example(schema: dict[str, Any]) -> str:
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    if schema.get("pattern"):
        try:
            return _from_regex(schema["pattern"])
        except (ValueError, TypeError, sre_constants.error):
            pass
    low, high = schema.get("minLength", 1), schema.get("maxLength", 20)
    text = "contoh"
    return (text * (low // len(text) + 1))[: max(low, min(len(text), high))]


def _from_regex(pattern: str) -> str:
    """The first string a simple regular expression matches (literals, classes, repeats, groups)."""
    out = "".join(_emit(sre_parse.parse(pattern)))
    if not re.search(pattern, out):
        raise ValueError(pattern)
    return out


def _emit(parsed: Any) -> list[str]:
    out: list[str] = []
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.IN:
            out.append(_first_of_class(arg))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, _, item = arg
            out += _emit(item) * max(low, 1)
        elif op is sre_constants.SUBPATTERN:
            out += _emit(arg[-1])
        elif op is sre_constants.BRANCH:
            out += _emit(arg[1][0])
        elif op is sre_constants.ANY:
            out.append("a")
        elif op is sre_constants.AT:
            continue
        else:
            raise ValueError(op)
    return out


def _first_of_class(items: Any) -> str:
    for op, arg in items:
        if op is sre_constants.LITERAL:
            return chr(arg)
        if op is sre_constants.RANGE:
            return chr(arg[0])
        if op is sre_constants.CATEGORY:
            return {"CATEGORY_DIGIT": "1", "CATEGORY_SPACE": " "}.get(str(arg), "a")
        if op is sre_constants.NEGATE:
            return "a"
    raise ValueError(items)


# ---- 415 -------------------------------------------------------------------------------------------


def _accepts(documented: tuple[str, ...], sent: str) -> bool:
    if sent in documented:
        return True
    json_like = lambda t: t == "application/json" or t.endswith("+json")  # noqa: E731
    if json_like(sent) and any(json_like(t) for t in documented):
        return True  # the body parser reads any JSON type the same way
    return sent in FORM_TYPES and any(t in FORM_TYPES for t in documented)


def reject_unsupported_media_type() -> None:
    """415 (not a misleading 422 "Missing data") when a body comes in a type the operation does not take."""
    from flask import current_app

    contract: ContractPlugin | None = current_app.extensions.get("openapi_contract")
    if contract is None or request.method not in ("POST", "PUT", "PATCH") or request.url_rule is None:
        return
    documented = contract.body_types.get((request.endpoint or "", request.method))
    if not documented:
        return
    has_body = bool(request.content_length) or bool(request.headers.get("Transfer-Encoding"))
    if not request.mimetype and not has_body:
        return  # no body at all: the schema's own "missing data" answer says more
    if not _accepts(documented, request.mimetype):
        raise UnsupportedMediaType(
            f"Content-Type must be {' or '.join(documented)}, not {request.mimetype or 'absent'}",
            reason="unsupported_media_type",
        )

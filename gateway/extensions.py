"""flask-smorest Api and Blueprint (with auth decorators that document 401/403), base Schema, limiter."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app, g, has_request_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint

from gateway.auth import ROLES, Principal
from gateway.errors import Forbidden, Unauthorized
from gateway.reasons import REASONS


class Schema(ma.Schema):
    """Base schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class LocalDateTime(ma.fields.DateTime):
    """A moment (stored in UTC) shown as ISO 8601 in the city's time zone, e.g. 2026-11-24T01:05:00+07:00
    (DESIGN.md §6: stored UTC, shown in Asia/Jakarta)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:  # only ever UTC here: gateway.db stores aware UTC datetimes
            value = value.replace(tzinfo=UTC)
        local = value.astimezone(ZoneInfo(current_app.config["TZ_LOCAL"]))
        return super()._serialize(local, attr, obj, **kwargs)


class ErrorSchema(ma.Schema):
    """The one error body (DESIGN.md §4)."""

    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(REASONS),
        metadata={"description": "Stable snake_case reason to switch on (docs/errors.md)"},
    )
    errors = ma.fields.Dict()

    class Meta:
        unknown = ma.INCLUDE


class Api(_Api):
    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"


class Blueprint(_Blueprint):
    """Blueprint whose auth decorators both enforce and document who may call a view."""

    def auth(self, *roles: str, scopes: tuple[str, ...] = ()) -> Callable:
        """Require a token whose role is one of `roles` (and, for clients, every scope in `scopes`)."""

        def decorator(func: Callable) -> Callable:
            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                principal: Principal | None = g.get("principal")
                if principal is None:
                    raise Unauthorized("Authentication required", reason="authentication_required")
                if roles and principal.role not in roles:
                    raise Forbidden(
                        f"This endpoint is for role {', '.join(roles)}", reason="role_not_allowed"
                    )
                for scope in scopes:
                    if principal.is_client and not principal.has_scope(scope):
                        raise Forbidden(f"Client lacks scope {scope}", reason="scope_required")
                return func(*args, **kwargs)

            who = ", ".join(roles) if roles else "any authenticated caller"
            if scopes:
                who += f" (clients need scope {' '.join(scopes)})"
            # x-roles / x-scopes: read by gateway.openapi (security schemes, headers) and by integrators.
            doc = {"security": [{"bearerAuth": []}], "x-roles": list(roles or ROLES), "x-scopes": list(scopes)}
            doc = self._doc_for(wrapper, doc, who)
            doc = self.alt_response(401, schema=ErrorSchema, description="Missing, invalid or expired token")(
                doc
            )
            return self.alt_response(403, schema=ErrorSchema, description=f"Caller is not {who}")(doc)

        return decorator

    # flask-smorest bounds page_size but not page: page=10**30 overflowed OFFSET into a 500.
    MAX_PAGE = 100_000

    def paginate(self, pager: Any = None, **kwargs: Any) -> Callable:
        """flask-smorest pagination, with the page number bounded (and documented as such) too."""
        decorate = super().paginate(pager, **kwargs)

        def decorator(func: Callable) -> Callable:
            wrapper = decorate(func)
            # The same per-view schema class parses the query and documents it: bound its page field.
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            page = schema._declared_fields["page"]
            schema._declared_fields["page"] = ma.fields.Integer(
                load_default=page.load_default, validate=ma.validate.Range(min=1, max=self.MAX_PAGE)
            )
            return wrapper

        return decorator

    def public(self, func: Callable) -> Callable:
        """Mark a view as callable by anyone (documented as such)."""
        return self._doc_for(func, {"security": []}, "anyone, no token")

    def _doc_for(self, func: Callable, doc: dict[str, Any], who: str) -> Callable:
        func = self.doc(**doc)(func)
        func.__doc__ = (func.__doc__ or "").rstrip() + f"\n\nWho may call: {who}."
        return func


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

CREATE_LIMIT_CITIZEN = "10/minute;60/hour"
CREATE_LIMIT_STAFF = "120/minute"


def caller_key() -> str:
    """The signed-in subject (a family or an office behind one address is not one caller), else the
    address; the principal is resolved before the limiter's checks run."""
    principal = g.get("principal")
    return f"{principal.kind}:{principal.id}" if principal is not None else get_remote_address()


def _create_limit() -> str:
    principal = g.get("principal") if has_request_context() else None  # the OpenAPI document asks too
    return CREATE_LIMIT_STAFF if principal is not None and principal.is_staff else CREATE_LIMIT_CITIZEN


def create_limit() -> Callable:
    """Per-caller limit on a POST that creates something (a complaint, an application …): one account
    cannot flood the city's queues; counter staff, who file for many citizens, get more. Refused
    requests (422 …) create nothing and are not counted."""
    return limiter.limit(
        _create_limit,
        key_func=caller_key,
        methods=["POST"],
        deduct_when=lambda response: response.status_code < 400,  # what was created counts
    )

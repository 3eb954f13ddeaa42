"""ServiceError hierarchy and the one error body of DESIGN.md §4, for every layer."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Stable snake_case reasons for the HTTP errors raised outside our views.
_HTTP_REASONS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "etag_mismatch",  # the only preconditions are ETags (gateway.kernel.etags)
    413: "payload_too_large",
    406: "not_acceptable",
    408: "request_timeout",
    410: "gone",
    411: "length_required",
    414: "uri_too_long",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "validation_failed",
    428: "etag_required",
    429: "rate_limited",
    431: "request_header_fields_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


class ServiceError(Exception):
    """A rule said no. Carries the HTTP code and the stable reason a client switches on."""

    code = 400
    reason = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if reason:
            self.reason = reason
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


class BadRequest(ServiceError):
    code, reason = 400, "bad_request"


class Unauthorized(ServiceError):
    code, reason = 401, "unauthorized"


class Forbidden(ServiceError):
    code, reason = 403, "forbidden"


class NotFound(ServiceError):
    code, reason = 404, "not_found"


class Conflict(ServiceError):
    code, reason = 409, "conflict"


class PreconditionFailed(ServiceError):
    code, reason = 412, "etag_mismatch"


class UriTooLong(ServiceError):
    code, reason = 414, "uri_too_long"


class UnsupportedMediaType(ServiceError):
    code, reason = 415, "unsupported_media_type"


class ValidationFailed(ServiceError):
    code, reason = 422, "validation_failed"


class RateLimited(ServiceError):
    code, reason = 429, "rate_limited"


class Unavailable(ServiceError):
    code, reason = 503, "unavailable"


def error_body(code: int, message: str, reason: str, errors: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message,
        "reason": reason,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def error_response(
    code: int,
    message: str,
    reason: str,
    errors: Any = None,
    headers: dict | None = None,
    **extra: Any,
) -> Response:
    renderer = _renderer_for_path()
    if renderer is not None:
        return renderer(code, message, errors, headers)
    response = jsonify(error_body(code, message, reason, errors, **extra))
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _renderer_for_path() -> Any:
    """A protocol mounted under its own prefix (Open311) may answer errors in its own format.

    Services register `app.extensions["error_renderers"][prefix] = fn(code, message, errors, headers)`;
    this also covers errors raised before any view matched (unknown paths, 405, 413).
    """
    if not has_request_context():
        return None
    for prefix, renderer in current_app.extensions.get("error_renderers", {}).items():
        if request.path.startswith(prefix):
            return renderer
    return None


def register_error_handlers(app: Flask) -> None:
    """Every error leaves as the one body; never a stack trace."""

    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError) -> Response:
        return error_response(err.code, err.message, err.reason, err.errors, err.headers, **err.extra)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        code = err.code or 500
        data = getattr(err, "data", None) or {}
        errors = data.get("messages")
        reason = _HTTP_REASONS.get(code) or ("bad_request" if code < 500 else "internal_error")
        message = data.get("message") or err.description or HTTPStatus(code).phrase
        if code == 422:
            message = "Validation failed"
        elif code == 428:
            message = "If-Match with the ETag of what you change is required; GET it first"
        elif code == 400 and errors:
            message = "Malformed request"
        headers = dict(data.get("headers") or {})
        if code == 429:
            retry_after = getattr(err, "retry_after", None) or headers.get("Retry-After")
            message = f"Too many requests: {getattr(err, 'description', '') or 'rate limit exceeded'}"
            headers.setdefault("Retry-After", str(retry_after or 60))
        if code == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            headers["Allow"] = ", ".join(err.valid_methods)
        return error_response(
            code, str(message), reason, errors, headers
        )  # reasons: bad_request, internal_error

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "Internal server error", "internal_error")

"""create_app(): config → logging → db → api → the gateway's routes → every module of services.MODULES."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from flask_cors import CORS
from redis import Redis

from gateway import (  # noqa: F401 - workdays: its table
    audit,
    docs_pages,
    health,
    idempotency,
    input_guard,
    logs,
    notify,
    openapi,
    outbox,
    security_headers,
    workdays,
)
from gateway.auth import KeyRing, decode_access_token
from gateway.config import Config
from gateway.db import Database
from gateway.documents import jobs as document_jobs
from gateway.errors import Unauthorized, UriTooLong, register_error_handlers
from gateway.extensions import Api, limiter
from gateway.identity import service as identity_service
from gateway.kernel import counters  # noqa: F401 - its table
from gateway.kernel.modules import Periodic, ServiceModule, install

log = logging.getLogger(__name__)

# The gateway's own jobs, declared like a service's (its routes are registered below, by hand).
GATEWAY = ServiceModule(
    name="gateway",
    jobs=(notify.deliver, document_jobs.render, identity_service.cache_revocation, outbox.sweep),
    periodic=(Periodic(outbox.sweep, every=10),),
    warm_up=(document_jobs.warm_up,),  # load the signer before the worker's first job
)
TOKEN_PATH = "/api/v1/auth/token"
MAX_URL_LENGTH = 8190  # bytes of path + query string, the limit most servers and proxies apply

API_SPEC = {
    "API_TITLE": "Pematang Siantar citizen super-app API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # Served by the app itself from pinned packages (gateway/docs_pages.py): the docs work offline.
    "OPENAPI_SWAGGER_UI_URL": docs_pages.SWAGGER_ASSETS_URL,
    "OPENAPI_SWAGGER_UI_CONFIG": docs_pages.SWAGGER_UI_CONFIG,
    "OPENAPI_REDOC_PATH": "redoc",
    "OPENAPI_REDOC_URL": docs_pages.REDOC_ASSET_URL,
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "One API for adminduk, complaints, permits and parking of Kota Pematangsiantar."
        },
        # Security schemes, gateway headers, examples, 415/429: added by gateway.openapi.ContractPlugin.
    },
}


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    config = Config()
    for key, value in (overrides or {}).items():
        if key in {f.name for f in dataclasses.fields(Config)}:
            setattr(config, key, value)
    config.check_secrets()  # before anything connects or listens
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(config.as_flask())
    app.config.update(API_SPEC)
    if not config.enabled("API_DOCS_ENABLED"):
        app.config["OPENAPI_URL_PREFIX"] = None  # no /openapi.json, /docs or /redoc routes at all
    app.config.update({k: v for k, v in (overrides or {}).items() if k not in app.config})
    app.config["RATELIMIT_STORAGE_URI"] = config.REDIS_URL or "memory://"
    app.config["RATELIMIT_ENABLED"] = config.RATELIMIT_ENABLED
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    # Redis down must not turn sign-up/login into 500s: count in memory until it is back.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logs.configure(json_logs=config.LOG_JSON)

    app.extensions["database"] = Database(config.DATABASE_URL)
    app.extensions["keyring"] = KeyRing.load(
        config.JWT_PRIVATE_KEY_FILE, config.JWT_PREVIOUS_PUBLIC_KEY_FILES
    )
    app.extensions["redis"] = Redis.from_url(config.REDIS_URL) if config.REDIS_URL else None

    _register_request_hooks(app)
    CORS(
        app,
        origins=[o.strip() for o in config.CORS_ORIGINS.split(",") if o.strip()],
        expose_headers=["X-Request-ID", "ETag", "Retry-After", "X-Total-Count", "X-Pagination"],
    )
    limiter.init_app(app)
    health.init_app(app)
    idempotency.init_app(app)
    security_headers.init_app(app)

    docs_pages.register(app)
    api = Api(app, spec_kwargs={"extra_plugins": [openapi.ContractPlugin(app, limiter)]})
    register_error_handlers(app)  # after Api(), so ours replace flask-smorest's handlers
    from gateway import admin
    from gateway.documents import routes as documents_routes
    from gateway.identity import routes as identity_routes

    identity_routes.register(api)
    documents_routes.register(api)
    admin.register(api)

    import services

    install(app, api, (GATEWAY, *services.MODULES))
    return app


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        # gunicorn lets long request lines through (gunicorn.conf.py) so that this is the error body.
        if len(request.full_path) > MAX_URL_LENGTH:
            raise UriTooLong(
                f"The path and query string are longer than {MAX_URL_LENGTH} bytes", reason="uri_too_long"
            )
        openapi.reject_unsupported_media_type()
        input_guard.check_request()

    @app.before_request
    def _authenticate() -> Response | None:
        """Resolve the caller once per request; views then only check roles."""
        g.principal = None
        audit.start_request()
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "basic" and request.path == TOKEN_PATH:
                return idempotency.before_request()  # RFC 6749 §2.3.1 client authentication
            if scheme.lower() != "bearer" or not token:
                raise Unauthorized("Authorization must be 'Bearer <token>'", reason="invalid_token")
            from gateway.identity import service as identity

            principal = decode_access_token(token.strip())
            identity.ensure_token_active(principal)
            on_behalf = request.headers.get("X-On-Behalf-Of")
            if on_behalf:
                principal = identity.act_on_behalf(
                    principal, nik=on_behalf, reason=request.headers.get("X-On-Behalf-Reason", "")
                )
            g.principal = principal
        return idempotency.before_request()

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        principal = g.get("principal")
        if response.status_code != 429:
            response.headers.pop("Retry-After", None)  # the limiter adds it to every response
        refused = response.status_code >= 400
        if (
            principal is not None
            and principal.on_behalf_of
            # A refused attempt is in her log too (a service's own audit row of it was rolled back).
            and (refused or not audit.recorded_for(principal.on_behalf_of))
        ):
            # Every request made in a citizen's name at the counter is in her access log, once.
            from gateway.identity import service as identity

            action = f"{request.method} {request.url_rule or request.path}"
            identity.audit_on_behalf(
                principal, f"refused {response.status_code}: {action}" if refused else action
            )
        return response

    @app.after_request
    def _access_log(response: Response) -> Response:
        """One line per request, carrying its request id (the path only: query strings may hold data)."""
        started = g.get("started")
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            },
        )
        return response

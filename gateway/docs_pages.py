"""Swagger UI and ReDoc served by the app itself, from pinned packages: the docs work with no internet.

A hospital's SIMRS network, a city intranet and CI have no CDN. The assets come from the wheels of
flask-openapi-swagger and flask-openapi-redoc (pinned in pyproject/constraints); they are only read as
files here, never imported. flask-smorest renders the two pages with these URLs (gateway.app).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory
from werkzeug.wrappers import Response

SWAGGER_ASSETS_URL = "/api/v1/docs/assets/"
REDOC_ASSET_URL = "/api/v1/redoc/assets/redoc.standalone.js"
# Asset name -> (package, folder inside it). Only these files are served.
SWAGGER_FILES = {
    "swagger-ui.css": ("flask_openapi_swagger", "templates/swagger/css"),
    "swagger-ui-bundle.js": ("flask_openapi_swagger", "templates/swagger/js"),
    "swagger-ui-standalone-preset.js": ("flask_openapi_swagger", "templates/swagger/js"),
}
REDOC_FILE = ("flask_openapi_redoc", "templates/redoc/js")
REDOC_LOGO_URL = "/api/v1/redoc/assets/redoc.svg"
REDOC_LOGO_FILE = ("flask_openapi_redoc", "templates/redoc/images")
# The one outside URL inside the ReDoc bundle: its "API docs by Redocly" logo, pointed at the same
# logo shipped in the package instead (the page must not reach a CDN).
REDOC_CDN_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'
ONE_DAY = 86400

# Swagger UI: no call to the public validator (validator.swagger.io), deep links, request timings.
SWAGGER_UI_CONFIG = {"validatorUrl": None, "deepLinking": True, "displayRequestDuration": True}


def package_dir(package: str) -> Path:
    """Where an installed package's files are, without importing it (its code needs other packages)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed: pip install -c constraints.txt -e .")
    return Path(next(iter(spec.submodule_search_locations)))


def _send(package: str, folder: str, name: str) -> Response:
    response = send_from_directory(package_dir(package) / folder, name, max_age=ONE_DAY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@functools.cache
def _redoc_bundle() -> bytes:
    package, folder = REDOC_FILE
    bundle = (package_dir(package) / folder / REDOC_ASSET_URL.rsplit("/", 1)[-1]).read_bytes()
    return bundle.replace(REDOC_CDN_LOGO, f'"{REDOC_LOGO_URL}"'.encode())


def register(app: Flask) -> None:
    blp = Blueprint("docs_assets", __name__)

    @blp.get(f"{SWAGGER_ASSETS_URL}<name>")
    def swagger_asset(name: str) -> Response:
        if name not in SWAGGER_FILES:
            abort(404)
        return _send(*SWAGGER_FILES[name], name)

    @blp.get(REDOC_ASSET_URL)
    def redoc_asset() -> Response:
        return Response(
            _redoc_bundle(),
            mimetype="text/javascript",
            headers={"Cache-Control": f"public, max-age={ONE_DAY}", "X-Content-Type-Options": "nosniff"},
        )

    @blp.get(REDOC_LOGO_URL)
    def redoc_logo() -> Response:
        return _send(*REDOC_LOGO_FILE, REDOC_LOGO_URL.rsplit("/", 1)[-1])

    app.register_blueprint(blp)

"""Response headers every browser-facing answer needs (issue 13.9).

- `Strict-Transport-Security` and `X-Content-Type-Options: nosniff` on every response;
- a Content-Security-Policy on every response: the strict `default-src 'none'` for API answers, and
  for HTML pages (the API docs, the document verification page) one that allows only what those pages
  load, always with `frame-ancestors 'none'` (no clickjacking);
- `Cache-Control: no-store` on what carries personal data or credentials: every answer to a request
  with an Authorization header and every /auth/, /me or /verify/ answer, unless the view chose its own policy.
"""

from __future__ import annotations

from flask import Flask, Response, request

HSTS = "max-age=31536000; includeSubDomains"
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The Swagger UI and ReDoc pages load their bundles from the app itself (gateway/docs_pages.py) and run a
# small inline script; ReDoc renders in a blob: worker. Nothing from another host.
HTML_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; "
    "img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PERSONAL_PREFIXES = ("/api/v1/auth/", "/api/v1/me", "/api/v1/verify/")


def _personal(response: Response) -> bool:
    return bool(request.headers.get("Authorization")) or request.path.startswith(PERSONAL_PREFIXES)


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Strict-Transport-Security", HSTS)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", HTML_CSP)
        headers.setdefault("X-Frame-Options", "DENY")
    else:
        headers.setdefault("Content-Security-Policy", API_CSP)
    if "Cache-Control" not in headers and _personal(response):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)

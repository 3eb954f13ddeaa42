"""One ETag scheme for every resource staff change concurrently: flask-smorest's own.

A view that serves or changes such a resource is decorated with ``@blp.etag`` (innermost, right above
``def``): flask-smorest then answers the ETag of the representation as served (a hash of its schema
dump), 304 to a matching If-None-Match on GET, and — on PATCH/PUT/DELETE — 428 ``etag_required`` without
If-Match. Before changing anything, a view calls ``check_if_match(blp, current_view, Schema, what=…)``:
flask-smorest's ``check_etag`` compares If-Match with the ETag of the current representation, and a
stale one is 412 ``etag_mismatch``. The view then passes the version it read (``current["version"]``)
to the use case, which checks it again under the row lock (``workflow.check_version``), so two officers
who read the same version cannot both write.
"""

from __future__ import annotations

import warnings
from typing import Any

from flask import request
from flask_smorest.exceptions import PreconditionFailed as StaleEtag

from gateway.errors import PreconditionFailed
from gateway.extensions import Blueprint


def if_match_sent() -> bool:
    return bool(request.if_match)


def check_if_match(blp: Blueprint, current: Any, schema: Any, *, what: str) -> None:
    """412 etag_mismatch unless If-Match names the ETag of `current` as `schema` dumps it (or is '*')."""
    with warnings.catch_warnings():
        # flask-smorest expects If-Match on PUT/PATCH/DELETE; our state-changing actions may be POSTs.
        warnings.simplefilter("ignore", UserWarning)
        try:
            blp.check_etag(current, schema)
        except StaleEtag:
            raise PreconditionFailed(
                f"The {what} was changed by someone else; reload it", reason="etag_mismatch"
            ) from None

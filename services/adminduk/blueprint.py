"""The one adminduk blueprint (OpenAPI tag 'adminduk') that births, reviews, my documents,
corrections and deaths register their views on, and the officers' approve/reject views they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from gateway.extensions import Blueprint
from services.adminduk import schemas as s

blp = Blueprint(
    "adminduk",
    __name__,
    url_prefix="/api/v1",
    description="Population administration: births, deaths, civil documents (Disdukcapil)",
)


def decision_views(
    base: str,
    name: str,
    *,
    response: type[ma.Schema],
    decide: Callable[..., dict[str, Any]],
    approve: str,
    reject: str,
) -> None:
    """Register POST `base`/approve and `base`/reject (views `name`Approve and `name`Reject, with the
    summaries `approve` and `reject`): an officer decides, with a reason, through `decide`. The URL's
    id (birth_id, death_id, correction_id) is passed on to `decide` under its own name."""

    def register(action: str, summary: str) -> None:
        def post(self: MethodView, data: dict[str, Any], **ids: str) -> dict[str, Any]:
            return decide(
                UnitOfWork(),
                principal=current_principal(),
                approve=action == "approve",
                reason=data["reason"],
                **ids,
            )

        post.__doc__ = summary
        view = blp.auth("officer")(blp.arguments(s.DecisionSchema)(blp.response(200, response)(post)))
        blp.route(f"{base}/{action}")(type(f"{name}{action.capitalize()}", (MethodView,), {"post": view}))

    register("approve", approve)
    register("reject", reject)

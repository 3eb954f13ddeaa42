"""The officers' review queue."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from gateway.kernel.paging import paged
from services.adminduk.blueprint import blp
from services.adminduk.reviews import schemas as s
from services.adminduk.reviews import service


@blp.route("/adminduk/reviews")
class Reviews(MethodView):
    @blp.auth("officer")
    @blp.arguments(s.ReviewArgsSchema, location="query")
    @blp.response(200, s.ReviewItemSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """The review queue of birth and death reports, oldest first (Disdukcapil officers)"""
        return paged(pagination_parameters, service.list_reviews, state=args["state"], kind=args.get("kind"))

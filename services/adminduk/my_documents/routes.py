"""My documents."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from gateway.auth import current_principal
from gateway.db import UnitOfWork
from services.adminduk import schemas as shared
from services.adminduk.blueprint import blp
from services.adminduk.my_documents import schemas as s
from services.adminduk.my_documents import service


@blp.route("/me/documents")
class MyDocuments(MethodView):
    @blp.auth("citizen", "counter")
    @blp.arguments(s.MyDocumentsArgsSchema, location="query")
    @blp.response(200, shared.DocumentLinkSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """My documents and my children's (every version), with PDF and verification links"""
        return service.my_documents(UnitOfWork(), principal=current_principal(), status=args.get("status"))

"""Admin API: staff accounts, machine clients, OPDs and the failed-jobs registry."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from gateway import outbox
from gateway import queue as q
from gateway.auth import current_principal
from gateway.db import UnitOfWork, get_database
from gateway.errors import NotFound
from gateway.extensions import Api, Blueprint, Schema
from gateway.identity import schemas as s
from gateway.identity import staff as staff_service

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="City administrators")


class StaffQueryArgsSchema(Schema):
    role = ma.fields.String(validate=ma.validate.OneOf(["admin", "officer", "counter", "attendant", "finance"]))


class FailedJobSchema(Schema):
    id = ma.fields.String()
    source = ma.fields.String(metadata={"description": "rq (failed registry) or outbox (in-process)"})
    function = ma.fields.String()
    kwargs = ma.fields.Dict()
    error = ma.fields.String(allow_none=True)


@blp.route("/staff")
class StaffCollection(MethodView):
    @blp.auth("admin")
    @blp.arguments(StaffQueryArgsSchema, location="query")
    @blp.response(200, s.StaffSchema(many=True))
    def get(self, args: dict[str, Any]) -> list:
        """List staff accounts"""
        return staff_service.list_staff(UnitOfWork(), principal=current_principal(), **args)

    @blp.auth("admin")
    @blp.arguments(s.StaffCreateSchema)
    @blp.response(201, s.StaffSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a staff account (officer bound to an OPD, counter, attendant, admin)"""
        return staff_service.create_staff(UnitOfWork(), **data)


@blp.route("/staff/<staff_id>")
class StaffItem(MethodView):
    @blp.auth("admin")
    @blp.arguments(s.StaffUpdateSchema)
    @blp.response(200, s.StaffSchema)
    def patch(self, data: dict[str, Any], staff_id: str) -> Any:
        """Change a staff account's role, OPD or zones, or disable it (signs it out)"""
        return staff_service.update_staff(UnitOfWork(), staff_id=staff_id, changes=data)


@blp.route("/clients")
class Clients(MethodView):
    @blp.auth("admin")
    @blp.arguments(s.ClientCreateSchema)
    @blp.response(201, s.ClientCreatedSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register a machine client (hospital, counter terminal); the secret is shown once"""
        client, secret = staff_service.create_client(UnitOfWork(), **data)
        return {
            "client_id": client.client_id,
            "client_secret": secret,
            "name": client.name,
            "scopes": client.scope_list,
            "facility_code": client.facility_code,
        }


@blp.route("/opds")
class Opds(MethodView):
    @blp.auth()
    @blp.response(200, s.OpdSchema(many=True))
    def get(self) -> list:
        """The city's agencies (OPD)"""
        return staff_service.list_opds(UnitOfWork())


@blp.route("/jobs/failed")
class FailedJobs(MethodView):
    @blp.auth("admin")
    @blp.response(200, FailedJobSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Jobs that exhausted their retries (RQ failed registry) or failed in-process"""
        connection = q.redis_connection()
        out: list[dict[str, Any]] = []
        if connection is not None:
            for job in q.failed_jobs(connection):
                out.append(
                    {
                        "id": job["id"],
                        "source": "rq",
                        "function": job["function"],
                        "kwargs": job["kwargs"],
                        "error": (job["error"] or [""])[0],
                    }
                )
        for row in outbox.inline_failures(get_database()):
            out.append(
                {
                    "id": row.id,
                    "source": "outbox",
                    "function": row.job,
                    "kwargs": row.kwargs,
                    "error": row.last_error,
                }
            )
        return out


@blp.route("/jobs/failed/<job_id>/requeue")
class RequeueJob(MethodView):
    @blp.auth("admin")
    @blp.response(202)
    def post(self, job_id: str) -> None:
        """Run a failed job again"""
        connection = q.redis_connection()
        if connection is not None and q.requeue_failed(connection, job_id):
            return
        if outbox.relay(get_database(), ids=[job_id]) == 0:
            raise NotFound("No failed job with this id", reason="job_not_found")


def register(api: Api) -> None:
    api.register_blueprint(blp)

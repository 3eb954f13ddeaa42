"""Permit use cases of the lists and the permit itself: fee quotes, the log of OSS's pushes, my permits,
the officers' queue, the public register, the file OSS links to, sanctions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from gateway import documents
from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.errors import Conflict, Forbidden
from gateway.kernel import clock
from services.permits import applications, catalogue, issuing, outbound, views, workflow
from services.permits.errors import InvalidApplicationData, PermitNotFound
from services.permits.models import Application, OssInbound, Permit


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def quote(permit_type: catalogue.PermitType, data: dict[str, Any]) -> int:
    """The retribusi for this data; incomplete or ill-formed data is a 422 naming each field."""
    problems = catalogue.check_fields(permit_type, data)
    if problems:
        raise InvalidApplicationData(
            "The data does not fit this permit type", errors={"json": {"data": problems}}
        )
    return catalogue.fee(permit_type, data)


def inbound_log(
    uow: UnitOfWork, *, principal: Principal, outcome: str | None, nib: str | None, limit: int, offset: int
) -> tuple[list[OssInbound], int]:
    """Every push OSS made, newest first (DPMPTSP officers and admins)."""
    outbound.require_staff(principal)
    with uow:
        stmt = select(OssInbound)
        if outcome:
            stmt = stmt.where(OssInbound.outcome == outcome)
        if nib:
            stmt = stmt.where(OssInbound.nib == nib)
        total = _s(uow).scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = _s(uow).scalars(
            stmt.order_by(OssInbound.received_at.desc(), OssInbound.id).limit(limit).offset(offset)
        )
        return list(rows), total


# ---- lists: my applications and permits, the officers' queue, the public register -------------------


def mine(uow: UnitOfWork, *, principal: Principal) -> dict[str, Any]:
    """My businesses' applications and permits (by the NIBs linked to me), newest first."""
    resident_id = applications._resident_of(principal)
    with uow:
        session = _s(uow)
        nibs = issuing.owned_business_nibs(uow, resident_id)
        apps = list(
            session.scalars(
                select(Application)
                .where(
                    or_(Application.applicant_resident_id == resident_id, Application.nib.in_(nibs or [""]))
                )
                .order_by(Application.created_at.desc(), Application.id)
            )
        )
        permits = list(
            session.scalars(
                select(Permit)
                .where(Permit.nib.in_(nibs or [""]))
                .order_by(Permit.issued_at.desc(), Permit.id)
            )
        )
        result = {
            "nibs": nibs,
            "applications": [_queue_item(a, clock.now()) for a in apps],
            "permits": [
                views.permit_link(uow, p) | {"permit_type": p.permit_type, "business_name": p.business_name}
                for p in permits
            ],
        }
        if principal.role == "counter":
            applications._audit_counter(uow, principal, "read:permits", "permits:mine")
        uow.commit()
        return result


def _queue_item(app: Application, now: datetime) -> dict[str, Any]:
    running = app.paused_at is None and app.state in workflow.WORKED_STEPS
    return {
        "id": app.id,
        "number": app.number,
        "permit_type": app.permit_type,
        "business_name": app.business_name,
        "nib": app.nib,
        "state": app.state,
        "step": app.step,
        "current_opd": app.current_opd,
        "kd_status": app.kd_status,
        "due_at": app.due_at,
        "step_due_at": app.step_due_at,
        "paused": app.paused_at is not None,
        "overdue": bool(running and app.step_due_at and app.step_due_at < now),
        "version": app.version,
        "updated_at": app.updated_at,
    }


def queue(
    uow: UnitOfWork, *, principal: Principal, args: dict[str, Any], limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The officer's OPD's work (DPMPTSP: everything), overdue first, then by step deadline."""
    if principal.role not in ("officer", "admin"):
        raise Forbidden("The queue is for officers", reason="role_not_allowed")
    now = clock.now()
    with uow:
        stmt = select(Application)
        if not (principal.role == "admin" or principal.opd == workflow.DPMPTSP):
            stmt = stmt.where(Application.current_opd == principal.opd)
        state = args.get("state")
        stmt = (
            stmt.where(Application.state == state)
            if state
            else stmt.where(Application.state.in_(workflow.OPEN_STATES))
        )
        if args.get("permit_type"):
            stmt = stmt.where(Application.permit_type == args["permit_type"])
        if args.get("step"):
            stmt = stmt.where(Application.step == args["step"])
        if args.get("nib"):
            stmt = stmt.where(Application.nib == args["nib"])
        running = and_(
            Application.paused_at.is_(None),
            Application.state.in_(workflow.WORKED_STEPS),
            Application.step_due_at < now,
        )
        if args.get("overdue"):
            stmt = stmt.where(running)
        total = _s(uow).scalar(select(func.count()).select_from(stmt.subquery())) or 0
        overdue_first = case((running, 0), else_=1)
        rows = _s(uow).scalars(
            stmt.order_by(
                overdue_first, Application.step_due_at.is_(None), Application.step_due_at, Application.id
            )
            .limit(limit)
            .offset(offset)
        )
        return [_queue_item(a, now) for a in rows], total


def register(
    uow: UnitOfWork, *, args: dict[str, Any], limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The public register of issued permits: business, type, number, dates, status — no personal data."""
    with uow:
        stmt = select(Permit)
        if args.get("permit_type"):
            stmt = stmt.where(Permit.permit_type == args["permit_type"])
        if args.get("status"):
            stmt = stmt.where(Permit.status == args["status"])
        if args.get("q"):
            stmt = stmt.where(func.lower(Permit.business_name).contains(args["q"].lower()))
        total = _s(uow).scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = _s(uow).scalars(stmt.order_by(Permit.issued_at.desc(), Permit.id).limit(limit).offset(offset))
        return [
            {
                "number": p.number,
                "permit_type": p.permit_type,
                "permit_type_name": (catalogue.get(p.permit_type) or catalogue.all_types()[0]).name,
                "business_name": p.business_name,
                "issued_on": clock.local(p.issued_at).date(),
                "valid_until": p.valid_until,
                "status": p.status,
                "fiktif_positif": p.fiktif_positif,
            }
            for p in rows
        ], total


def permit_file(uow: UnitOfWork, *, token: str) -> tuple[str, bytes]:
    """The signed PDF behind a file_izin link (OSS and whoever OSS shows it to)."""
    permit_id = issuing.permit_id_from_file_token(token)
    with uow:
        permit = _s(uow).get(Permit, permit_id)
        document = documents.get(uow, permit.document_id) if permit and permit.document_id else None
        if document is None:
            raise PermitNotFound("No such permit")
        if not document.is_ready or document.pdf is None:
            raise Conflict("The permit is still being signed; try again shortly", reason="document_not_ready")
        return document.filename, document.pdf


def set_permit_status(
    uow: UnitOfWork, *, principal: Principal, permit_id: str, kd_status: str, note: str
) -> dict[str, Any]:
    """Warning (60), suspension (70) or revocation (80) by DPMPTSP: shown on the verification page, told
    to OSS."""
    outbound.require_staff(principal)
    with uow:
        permit = _s(uow).get(Permit, permit_id)
        if permit is None:
            raise PermitNotFound("No such permit")
        if permit.status == "revoked":
            raise Conflict("A revoked permit stays revoked", reason="wrong_state")
        app = _s(uow).get(Application, permit.application_id)
        assert app is not None
        issuing.sanction(uow, permit, app, kd_status=kd_status, note=note, actor=principal, now=clock.now())
        link = views.permit_link(uow, permit)
        uow.commit()
        return link or {}

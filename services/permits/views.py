"""How an application and a permit look to their readers: the applicant sees every pause of the clock
with its reason and the public history; officers see everything and the actions open to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import documents
from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.permits import oss
from services.permits.models import Application, History, Permit, Upload
from services.permits.workflow import APPLICANT, APPLICATIONS, PEOPLE_ACTIONS, type_of

CLOCK_STATUSES = ("41", "42", "43", "44")


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def _history(row: History) -> dict[str, Any]:
    return {
        "at": row.at,
        "action": row.action,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "step": row.step,
        "kd_status": row.kd_status,
        "status_name": oss.STATUS_NAMES.get(row.kd_status or "", None),
        "actor": row.actor_kind if row.actor_kind != "staff" else f"staff:{row.actor_opd or row.actor_role}",
        "note": row.note,
    }


def clock_view(app: Application, rows: list[History], now: datetime | None = None) -> dict[str, Any]:
    """Deadlines, whether the clock is stopped and why, and every pause/resume/reset with its reason."""
    now = now or clock.now()
    clock_rows = [r for r in rows if r.kd_status in CLOCK_STATUSES]
    running = app.paused_at is None and app.state not in (
        "issued",
        "rejected",
        "void",
        "awaiting_requirements",
    )
    return {
        "submitted_at": app.submitted_at,
        "due_at": app.due_at,
        "step": app.step,
        "step_due_at": app.step_due_at,
        "paused": app.paused_at is not None,
        "paused_since": app.paused_at,
        "pause_reason": app.pause_reason,
        "overdue": bool(running and app.step_due_at and app.step_due_at < now),
        "reset": bool(clock_rows and clock_rows[-1].kd_status == "43"),
        "events": [
            {
                "at": r.at,
                "kd_status": r.kd_status,
                "what": oss.STATUS_NAMES[r.kd_status or ""],
                "reason": r.note,
            }
            for r in clock_rows
        ],
    }


def permit_link(uow: UnitOfWork, permit: Permit | None) -> dict[str, Any] | None:
    if permit is None:
        return None
    document = documents.get(uow, permit.document_id) if permit.document_id else None
    return {
        "id": permit.id,
        "number": permit.number,
        "status": permit.status,
        "status_note": permit.status_note,
        "fiktif_positif": permit.fiktif_positif,
        "valid_from": permit.valid_from,
        "valid_until": permit.valid_until,
        "document_id": permit.document_id,
        "pdf_url": documents.pdf_url(document) if document else None,
        "verify_url": documents.verify_url(document) if document else None,
    }


def application_view(uow: UnitOfWork, app: Application, *, role: str) -> dict[str, Any]:
    """The whole application for its applicant (public history) or an officer (all of it)."""
    session = _s(uow)
    session.flush()
    permit_type = type_of(app)
    stmt = select(History).where(History.application_id == app.id)
    if role == APPLICANT:
        stmt = stmt.where(History.public.is_(True))
    rows = list(session.scalars(stmt.order_by(History.seq, History.at)))
    uploads = session.scalars(
        select(Upload)
        .where(Upload.application_id == app.id, Upload.status != "replaced")
        .order_by(Upload.uploaded_at)
    )
    permit = session.scalar(select(Permit).where(Permit.application_id == app.id))
    technical = permit_type.step("technical_review")
    return {
        "id": app.id,
        "number": app.number,
        "permit_type": app.permit_type,
        "permit_type_name": permit_type.name,
        "channel": app.channel,
        "nib": app.nib,
        "business_name": app.business_name,
        "id_izin": app.id_izin,
        "kd_izin": app.kd_izin,
        "kbli": app.kbli,
        "state": app.state,
        "step": app.step,
        "current_opd": app.current_opd,
        "kd_status": app.kd_status,
        "status_name": oss.STATUS_NAMES.get(app.kd_status or ""),
        "review_round": app.review_round,
        "max_review_rounds": technical.max_rounds if technical else 0,
        "version": app.version,
        "data": dict(app.data or {}),
        "fee_amount": app.fee_amount,
        "billing_code": app.billing_code,
        "invoice_id": app.invoice_id,
        "correction_note": app.correction_note,
        "decision_reason": app.decision_reason,
        "documents": [
            {
                "id": u.id,
                "doc_code": u.doc_code,
                "filename": u.filename,
                "content_type": u.content_type,
                "size": u.size,
                "sha256": u.sha256,
                "uploaded_at": u.uploaded_at,
            }
            for u in uploads
        ],
        "required_documents": [d.code for d in permit_type.documents],
        "clock": clock_view(app, rows),
        "history": [_history(r) for r in rows],
        "actions": [a for a in APPLICATIONS.allowed(app.state, role) if a in PEOPLE_ACTIONS],
        "permit": permit_link(uow, permit),
        "created_at": app.created_at,
        "updated_at": app.updated_at,
    }

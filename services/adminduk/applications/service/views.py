"""An application as its citizen or an officer sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway import documents
from gateway.db import UnitOfWork, session_of
from gateway.documents import Document
from gateway.identity import Resident
from gateway.kernel import clock
from services.adminduk import wording
from services.adminduk.applications.models import (
    WITH_OFFICE,
    Application,
    ApplicationAttachment,
    ApplicationEvent,
)
from services.adminduk.applications.service.files import required_attachments
from services.adminduk.records import documents_by_id


def is_overdue(application: Application, now: datetime) -> bool:
    return application.state in WITH_OFFICE and application.due_at < now


def _document_link(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "title": document.title,
        "number": document.number,
        "version": document.version,
        "status": document.status,
        "issued_at": document.issued_at,
        "pdf_url": documents.pdf_url(document),
        "verify_url": documents.verify_url(document),
    }


def application_view(uow: UnitOfWork, application: Application, *, staff: bool) -> dict[str, Any]:
    """The file as its applicant sees it; officers also see their internal notes."""
    session = session_of(uow)
    people = {
        r.id: r
        for r in session.scalars(
            select(Resident).where(
                Resident.id.in_({application.applicant_resident_id, application.subject_resident_id})
            )
        )
    }
    applicant = people.get(application.applicant_resident_id)
    subject = people.get(application.subject_resident_id)
    event_stmt = select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
    if not staff:
        event_stmt = event_stmt.where(ApplicationEvent.visible_to_citizen.is_(True))
    trail = list(session.scalars(event_stmt.order_by(ApplicationEvent.at, ApplicationEvent.id)))
    files = list(
        session.scalars(
            select(ApplicationAttachment)
            .where(ApplicationAttachment.application_id == application.id)
            .order_by(ApplicationAttachment.uploaded_at, ApplicationAttachment.id)
        )
    )
    docs = documents_by_id(uow, application.document_ids)
    base = f"/api/v1/adminduk/applications/{application.id}"
    return {
        "id": application.id,
        "tracking_number": application.tracking_number,
        "kind": application.kind,
        "sub_kind": application.sub_kind,
        "state": application.state,
        "version": application.version,
        "applicant_name": applicant.full_name if applicant else "",
        "applicant_nik": wording.masked(applicant.nik if applicant else None),
        "subject_name": subject.full_name if subject else "",
        "subject_nik": wording.masked(subject.nik if subject else None),
        "details": _masked_details(application.details),
        "citizen_note": application.citizen_note,
        "channel": application.channel,
        "required_attachments": list(required_attachments(application.kind, application.sub_kind)),
        "sla_workdays": application.sla_workdays,
        "submitted_at": application.submitted_at,
        "due_at": application.due_at,
        "overdue": is_overdue(application, clock.now()),
        "correction_note": application.correction_note,
        "resubmissions": application.resubmissions,
        "decision_reason": application.decision_reason,
        "decided_at": application.decided_at,
        "fee": 0,
        "attachments": [_attachment_item(f, base) for f in files],
        "events": [_event_item(e) for e in trail],
        "documents": [_document_link(d) for d in docs],
        "created_at": application.created_at,
    }


def _masked_details(details: dict[str, Any]) -> dict[str, Any]:
    """NIKs in the details are shown masked (the response may be logged or cached by a client)."""
    out = dict(details)
    for key in ("resident_nik", "new_head_nik"):
        if out.get(key):
            out[key] = wording.masked(out[key])
    if out.get("member_niks"):
        out["member_niks"] = [wording.masked(n) for n in out["member_niks"]]
    return out


def _attachment_item(f: ApplicationAttachment, base: str) -> dict[str, Any]:
    return {
        "id": f.id,
        "kind": f.kind,
        "filename": f.filename,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256,
        "uploaded_at": f.uploaded_at,
        "superseded": f.superseded_at is not None,
        "url": f"{base}/attachments/{f.id}",
    }


def _event_item(e: ApplicationEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "actor": e.actor,
        "note": e.note,
        "visible_to_citizen": e.visible_to_citizen,
        "at": e.at,
    }

"""The citizen's side: submit, read, resubmit after a correction request, cancel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork, new_id, session_of
from gateway.errors import Conflict, NotFound
from gateway.identity.service import subject_resident_id
from gateway.kernel import clock
from gateway.kernel.clock import local_today
from gateway.kernel.sla import SlaClock
from gateway.kernel.workflow import actor_of
from services.adminduk.applications.models import (
    OPEN_STATES,
    Application,
    ApplicationAttachment,
)
from services.adminduk.applications.service.checks import applicant, check, spec_of
from services.adminduk.applications.service.common import SLA_WORKDAYS, invalid, step
from services.adminduk.applications.service.files import decode_all, require_attachments, store
from services.adminduk.applications.service.views import application_view
from services.adminduk.common import is_disdukcapil_officer
from services.adminduk.registry import numbers


def _dedupe_conflict(uow: UnitOfWork, key: str) -> None:
    existing = session_of(uow).scalar(select(Application.id).where(Application.dedupe_key == key))
    if existing:
        raise Conflict(
            "An application for this is already open",
            reason="application_open",
            extra={"existing_id": existing},
        )


def submit(uow: UnitOfWork, *, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """File an application for yourself or your family (the counter: for the citizen present)."""
    files = decode_all(data.get("attachments") or [])
    with uow:
        me = applicant(uow, principal)
        kind = data["kind"]
        sub_kind, subject, details, dedupe = check(uow, me=me, kind=kind, spec=data[kind])
        _dedupe_conflict(uow, dedupe)
        now = clock.now()
        days = SLA_WORKDAYS[kind]
        application = Application(
            id=new_id(),
            tracking_number=numbers.tracking_number("PM", local_today()),
            kind=kind,
            sub_kind=sub_kind,
            state="submitted",
            version=1,
            applicant_resident_id=me.id,
            subject_resident_id=subject.id,
            kk_number=me.kk_number,
            details=details,
            citizen_note=data.get("note"),
            channel="counter" if principal.on_behalf_of else "app",
            filed_by=actor_of(principal, citizen_label="citizen").label,
            filed_by_id=principal.id,
            dedupe_key=dedupe,
            sla_workdays=days,
            submitted_at=now,
            due_at=SlaClock.load(uow).due_in_days(now, days),
            resubmissions=0,
            document_ids=[],
        )
        session_of(uow).add(application)
        try:
            session_of(uow).flush()
        except IntegrityError:
            # A concurrent request filed the same thing first: point at it.
            session_of(uow).rollback()
            _dedupe_conflict(uow, dedupe)
            raise
        store(uow, application, files)
        require_attachments(uow, application)
        step(uow, application, "submitted", principal, data.get("note"), initial=True)
        if principal.on_behalf_of:
            for resident_id in {me.id, subject.id}:
                audit.record(
                    uow,
                    actor=principal,
                    resident_id=resident_id,
                    action="file:application",
                    resource=f"application:{application.id}",
                )
        view = application_view(uow, application, staff=False)
        uow.commit()
        return view


def visible_application(
    uow: UnitOfWork, principal: Principal, application_id: str, *, lock: bool = False, audited: bool = True
) -> Application:
    """Officers of Disdukcapil (audited), the applicant and the person concerned; others: 404."""
    stmt = select(Application).where(Application.id == application_id)
    if lock and uow.is_postgres:
        stmt = stmt.with_for_update()
    application = session_of(uow).scalar(stmt)
    if application is not None:
        if is_disdukcapil_officer(principal):
            for resident_id in dict.fromkeys(
                (application.applicant_resident_id, application.subject_resident_id) if audited else ()
            ):
                audit.record(
                    uow,
                    actor=principal,
                    resident_id=resident_id,
                    action="read:application",
                    resource=f"application:{application.id}",
                )
            return application
        if principal.is_citizen or principal.on_behalf_of:
            me = subject_resident_id(principal)
            if me in (application.applicant_resident_id, application.subject_resident_id):
                return application
    raise NotFound("Application not found", reason="application_not_found")


def get(uow: UnitOfWork, *, principal: Principal, application_id: str) -> dict[str, Any]:
    with uow:
        application = visible_application(uow, principal, application_id)
        view = application_view(uow, application, staff=is_disdukcapil_officer(principal))
        uow.commit()
        return view


def mine(
    uow: UnitOfWork, *, principal: Principal, state: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """My applications and those about me, newest first."""
    with uow:
        me = subject_resident_id(principal)
        where = [or_(Application.applicant_resident_id == me, Application.subject_resident_id == me)]
        if state:
            where.append(Application.state == state)
        total = session_of(uow).scalar(select(func.count()).select_from(Application).where(*where)) or 0
        rows = list(
            session_of(uow).scalars(
                select(Application)
                .where(*where)
                .order_by(Application.created_at.desc(), Application.id)
                .limit(limit)
                .offset(offset)
            )
        )
        views = [application_view(uow, row, staff=False) for row in rows]
        uow.commit()
        return views, total


def attachment(
    uow: UnitOfWork, *, principal: Principal, application_id: str, attachment_id: str
) -> tuple[bytes, str, str]:
    with uow:
        application = visible_application(uow, principal, application_id)
        row = session_of(uow).get(ApplicationAttachment, attachment_id)
        if row is None or row.application_id != application.id:
            raise NotFound("Attachment not found", reason="attachment_not_found")
        result = (row.data, row.content_type, row.filename or f"{row.kind}")
        uow.commit()
        return result


def _own(principal: Principal, application: Application) -> None:
    """Only the applicant (or the counter serving them) resubmits or cancels."""
    if (principal.is_citizen or principal.on_behalf_of) and subject_resident_id(
        principal
    ) == application.applicant_resident_id:
        return
    raise NotFound("Application not found", reason="application_not_found")


def resubmit(
    uow: UnitOfWork, *, principal: Principal, application_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """After a request for correction: corrected data and/or files; the SLA clock starts again."""
    files = decode_all(data.get("attachments") or [])
    with uow:
        application = visible_application(uow, principal, application_id, lock=True)
        _own(principal, application)
        if application.state != "needs_correction":
            raise Conflict(
                f"The application is {application.state}; only one sent back for correction is resubmitted",
                reason="not_awaiting_correction",
            )
        other = next((k for k in ("kk_change", "reprint", "move_out") if data.get(k)), None)
        if other and other != application.kind:
            raise invalid(other, f"This application is a {application.kind}", "wrong_application_kind")
        me = applicant(uow, principal)
        spec = data.get(application.kind) or spec_of(application)
        sub_kind, subject, details, dedupe = check(uow, me=me, kind=application.kind, spec=spec)
        if sub_kind != application.sub_kind:
            raise invalid(
                application.kind,
                "The kind of change cannot change; file a new application",
                "wrong_application_kind",
            )
        if dedupe != application.dedupe_key:
            _dedupe_conflict(uow, dedupe)
            application.dedupe_key = dedupe
        application.details = details
        application.subject_resident_id = subject.id
        if data.get("note"):
            application.citizen_note = data["note"]
        store(uow, application, files)
        require_attachments(uow, application)
        now = clock.now()
        application.submitted_at = now
        application.due_at = SlaClock.load(uow).due_in_days(now, application.sla_workdays)
        application.resubmissions += 1
        step(uow, application, "resubmitted", principal, data.get("note"))
        if principal.on_behalf_of:
            audit.record(
                uow,
                actor=principal,
                resident_id=application.applicant_resident_id,
                action="resubmit:application",
                resource=f"application:{application.id}",
            )
        view = application_view(uow, application, staff=False)
        uow.commit()
        return view


def cancel(
    uow: UnitOfWork, *, principal: Principal, application_id: str, reason: str | None
) -> dict[str, Any]:
    """The applicant withdraws an application that is not decided yet."""
    with uow:
        application = visible_application(uow, principal, application_id, lock=True)
        _own(principal, application)
        if application.state not in OPEN_STATES:
            raise Conflict(f"The application is already {application.state}", reason="application_closed")
        application.dedupe_key = None
        application.decided_at = clock.now()
        step(uow, application, "cancelled", principal, reason)
        view = application_view(uow, application, staff=False)
        uow.commit()
        return view

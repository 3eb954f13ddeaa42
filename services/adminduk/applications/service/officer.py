"""The officer's side: the queue, review, notes, correction requests, rejection and approval."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select

from gateway import audit, events
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Conflict, NotFound, ValidationFailed
from gateway.identity import Resident
from gateway.kernel import clock
from gateway.kernel.workflow import check_version
from services.adminduk import wording
from services.adminduk.applications.models import (
    WITH_OFFICE,
    Application,
)
from services.adminduk.applications.service.changes import apply
from services.adminduk.applications.service.checks import check, spec_of
from services.adminduk.applications.service.citizen import visible_application
from services.adminduk.applications.service.common import require_officer, step
from services.adminduk.applications.service.views import application_view, is_overdue
from services.adminduk.events import APPLICATION_APPROVED


def queue(
    uow: UnitOfWork,
    *,
    principal: Principal,
    state: str | None,
    kind: str | None,
    sub_kind: str | None,
    older_than_days: int | None,
    overdue: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Disdukcapil's queue, oldest (re)submission first; by default the files with the office."""
    require_officer(principal)
    now = clock.now()
    with uow:
        where = [Application.state == state] if state else [Application.state.in_(WITH_OFFICE)]
        if kind:
            where.append(Application.kind == kind)
        if sub_kind:
            where.append(Application.sub_kind == sub_kind)
        if older_than_days is not None:
            where.append(Application.submitted_at <= now - timedelta(days=older_than_days))
        if overdue is True:
            where += [Application.state.in_(WITH_OFFICE), Application.due_at < now]
        elif overdue is False:
            where.append(or_(Application.state.not_in(WITH_OFFICE), Application.due_at >= now))
        total = session_of(uow).scalar(select(func.count()).select_from(Application).where(*where)) or 0
        rows = list(
            session_of(uow).execute(
                select(Application, Resident.full_name, Resident.nik)
                .join(Resident, Resident.id == Application.applicant_resident_id)
                .where(*where)
                .order_by(Application.submitted_at, Application.id)
                .limit(limit)
                .offset(offset)
            )
        )
        items = []
        for application, name, nik in rows:
            audit.record(
                uow,
                actor=principal,
                resident_id=application.applicant_resident_id,
                action="list:applications",
                resource=f"application:{application.id}",
            )
            items.append(
                {
                    "id": application.id,
                    "tracking_number": application.tracking_number,
                    "kind": application.kind,
                    "sub_kind": application.sub_kind,
                    "state": application.state,
                    "applicant_name": name,
                    "applicant_nik": wording.masked(nik),
                    "channel": application.channel,
                    "submitted_at": application.submitted_at,
                    "due_at": application.due_at,
                    "overdue": is_overdue(application, now),
                    "age_days": (now - application.submitted_at).days,
                    "url": f"/api/v1/adminduk/applications/{application.id}",
                }
            )
        uow.commit()
        return items, total


def _for_officer(
    uow: UnitOfWork, principal: Principal, application_id: str, expected_version: int | None
) -> Application:
    require_officer(principal)
    application = visible_application(uow, principal, application_id, lock=True)
    check_version(application.version, expected_version, what="application")
    return application


def view_for_update(uow: UnitOfWork, *, principal: Principal, application_id: str) -> dict[str, Any]:
    """The officer's view as it is now, to compare with an If-Match (not an audited read: the change
    that follows is audited)."""
    require_officer(principal)
    with uow:
        return application_view(
            uow, visible_application(uow, principal, application_id, audited=False), staff=True
        )


def _with_office(application: Application) -> None:
    if application.state not in WITH_OFFICE:
        raise Conflict(
            f"The application is {application.state}, not with the office",
            reason="application_not_with_office",
        )


def _decide(
    uow: UnitOfWork, application: Application, principal: Principal, outcome: str, reason: str | None
) -> None:
    """Close the file with its decision: a step the citizen sees and an audited decision on her data;
    the dedupe key goes so that she can apply again."""
    application.decision_reason = reason
    application.decided_at = clock.now()
    application.dedupe_key = None
    step(uow, application, outcome, principal, reason)
    audit.record(
        uow,
        actor=principal,
        resident_id=application.subject_resident_id,
        action="decide:application",
        resource=f"application:{application.id}",
        reason=reason,
    )


def start_review(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """An officer takes a submitted application into review."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        if application.state != "submitted":
            raise Conflict(f"The application is {application.state}, not submitted", reason="not_submitted")
        application.assigned_officer_id = principal.id
        step(uow, application, "review_started", principal, note)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def add_note(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str,
    visible_to_citizen: bool,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """A note on the file: internal, or shown (and sent) to the citizen."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        step(uow, application, "note", principal, note, visible=visible_to_citizen)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def request_correction(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Back to the citizen with what to correct; the SLA clock stops until they resubmit."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        _with_office(application)
        application.correction_note = note
        application.assigned_officer_id = principal.id
        step(uow, application, "correction_requested", principal, note)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def reject(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    reason: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        _with_office(application)
        _decide(uow, application, principal, "rejected", reason)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def approve(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """One transaction: the registry changes, the new document versions, the decision and its event."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        _with_office(application)
        applicant = session_of(uow).get(Resident, application.applicant_resident_id)
        if applicant is None or not applicant.is_active:
            raise Conflict("The applicant no longer lives in the city", reason="applicant_not_active")
        # The registry may have changed since filing (a death, another application): check again.
        try:
            _, subject, details, _ = check(
                uow, me=applicant, kind=application.kind, spec=spec_of(application)
            )
        except (NotFound, ValidationFailed) as err:
            raise Conflict(
                f"The registry no longer allows this application: {err.message}",
                reason="registry_changed",
                extra={"cause": err.reason},
            ) from None
        docs = apply(
            uow, application, applicant=applicant, subject=subject, details=details, principal=principal
        )
        application.details = details | (
            {"skpwni_number": docs[0].number} if application.kind == "move_out" else {}
        )
        application.document_ids = [d.id for d in docs]
        _decide(uow, application, principal, "approved", note)
        events.publish(uow, APPLICATION_APPROVED, application_id=application.id, kind=application.kind)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view

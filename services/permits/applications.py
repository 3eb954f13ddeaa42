"""Applications: a business owner links herself to her NIB, files (or completes an OSS checklist item),
uploads the required documents, submits; officers work the steps. The counter acts for an owner who is
present (X-On-Behalf-Of), audited like all counter work."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.identity import Resident
from gateway.kernel import clock, uploads
from gateway.kernel.sla import SlaClock
from gateway.kernel.workflow import check_version
from services.permits import catalogue, history, intake, nibs, steps
from services.permits.errors import ApplicationNotFound, InvalidApplicationData, UnknownPermitType
from services.permits.models import Application, Business, History, Upload
from services.permits.views import application_view
from services.permits.workflow import (
    APPLICANT,
    APPLICATIONS,
    OFFICE,
    TECHNICAL,
    check_step_owner,
    role_of,
    type_of,
)

EDITABLE_STATES = ("awaiting_requirements", "correction")
MB = 1024 * 1024


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def _resident_of(principal: Principal) -> str:
    """The business owner acting: herself, or the resident the counter is serving."""
    if principal.is_citizen and principal.resident_id:
        return principal.resident_id
    if principal.role == "counter" and principal.on_behalf_of:
        return principal.on_behalf_of
    raise Forbidden("Only a business owner, or the counter serving one, may do this", reason="forbidden")


def _audit_counter(uow: UnitOfWork, principal: Principal, action: str, resource: str) -> None:
    if principal.role == "counter" and principal.on_behalf_of:
        audit.record(
            uow, actor=principal, resident_id=principal.on_behalf_of, action=action, resource=resource
        )


# ---- businesses ---------------------------------------------------------------------------------------


def link_business(uow: UnitOfWork, *, principal: Principal, nib: str) -> Business:
    """Claim a NIB: the owner must be the person OSS names as responsible (same NIK). A NIB whose push
    never reached us is read from OSS (inqueryNIB) first."""
    resident_id = _resident_of(principal)
    # A NIB we never received: ask OSS (outside the transaction; OSS down is a 503, nothing written).
    fetched = None if nibs.known(uow, nib) else nibs.inquire(nib)
    with uow:
        session = _s(uow)
        if fetched is not None:
            intake.upsert_business(uow, fetched)
        business = session.scalar(select(Business).where(Business.nib == nib))
        nik = session.scalar(select(Resident.nik).where(Resident.id == resident_id))
        if business is None or not business.responsible_nik or business.responsible_nik != nik:
            raise NotFound("No business with this NIB names you as responsible", reason="business_not_found")
        if business.owner_resident_id not in (None, resident_id):
            raise Conflict("This NIB is linked to another account", reason="business_already_linked")
        business.owner_resident_id = resident_id
        for app in session.scalars(
            select(Application).where(Application.nib == nib, Application.applicant_resident_id.is_(None))
        ):
            app.applicant_resident_id = resident_id
        _audit_counter(uow, principal, "link:business", f"business:{nib}")
        uow.commit()
        return business


def my_businesses(uow: UnitOfWork, *, principal: Principal) -> list[Business]:
    resident_id = _resident_of(principal)
    with uow:
        return list(_s(uow).scalars(select(Business).where(Business.owner_resident_id == resident_id)))


# ---- filing and completing ----------------------------------------------------------------------------


def create(uow: UnitOfWork, *, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """File an application for one of my businesses (the app, or the counter for an owner present)."""
    resident_id = _resident_of(principal)
    permit_type = catalogue.get(data["permit_type"])
    if permit_type is None:
        raise UnknownPermitType(f"No permit type {data['permit_type']}")
    fields = data.get("data") or {}
    _check_data(permit_type, fields, complete=False)
    with uow:
        session = _s(uow)
        business = session.scalar(
            select(Business).where(Business.nib == data["nib"], Business.owner_resident_id == resident_id)
        )
        if business is None:
            raise NotFound("No business of yours has this NIB: link it first", reason="business_not_found")
        now = clock.now()
        app = Application(
            number=intake.registration_number(now),
            permit_type=permit_type.code,
            channel="counter" if principal.role == "counter" else "app",
            business_id=business.id,
            nib=business.nib,
            business_name=business.name,
            kbli=data.get("kbli"),
            applicant_resident_id=resident_id,
            filed_by_id=principal.id,
            filed_by_role=principal.role,
            data=fields,
            state="awaiting_requirements",
            version=0,
            created_at=now,
            updated_at=now,
        )
        session.add(app)
        session.flush()
        history.step(
            uow, app, action="filed", now=now, actor=principal, note=f"Permohonan {permit_type.name}"
        )
        _audit_counter(uow, principal, "file:permit_application", f"permit_application:{app.id}")
        view = application_view(uow, app, role=APPLICANT)
        uow.commit()
        return view


def _check_data(permit_type: catalogue.PermitType, data: dict[str, Any], *, complete: bool) -> None:
    problems = catalogue.check_fields(permit_type, data)
    if not complete:
        problems = {k: v for k, v in problems.items() if k in data}
    if problems:
        raise InvalidApplicationData(
            "The data does not fit this permit type", errors={"json": {"data": problems}}
        )
    if complete:
        try:
            catalogue.fee(permit_type, data)
        except catalogue.FormulaError as exc:
            raise InvalidApplicationData(str(exc), errors={"json": {"data": {"_": [str(exc)]}}}) from None


def _load(uow: UnitOfWork, application_id: str, *, lock: bool = False) -> Application:
    stmt = select(Application).where(Application.id == application_id)
    if lock and uow.is_postgres:
        stmt = stmt.with_for_update()
    app = _s(uow).scalar(stmt.execution_options(populate_existing=True))
    if app is None:
        raise ApplicationNotFound("Application not found")
    return app


def _editable(app: Application, role: str) -> None:
    if role != APPLICANT:
        raise ApplicationNotFound("Application not found")
    if app.state not in EDITABLE_STATES:
        raise Conflict(
            "The application can be changed only while requirements are completed or corrected",
            reason="invalid_transition",
            extra={"state": app.state},
        )


def update_data(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    data: dict[str, Any],
    expected_version: int | None,
) -> dict[str, Any]:
    """Set the type's fields (merged); only while completing or correcting. A change of the data during a
    correction resets the clock (43): the office assesses a different application."""
    with uow:
        app = _load(uow, application_id, lock=True)
        role = role_of(principal, app)
        _editable(app, role)
        check_version(app.version, expected_version, what="application")
        before = dict(app.data or {})
        merged = {**before, **data}
        _check_data(type_of(app), merged, complete=False)
        app.data = merged
        now = clock.now()
        history.step(uow, app, action="data_updated", now=now, actor=principal, note="Data permohonan diubah")
        changed = sorted(k for k, v in merged.items() if before.get(k) != v)
        steps.reset_clock(uow, app, now=now, actor=principal, changed=changed)
        _audit_counter(uow, principal, "change:permit_application", f"permit_application:{app.id}")
        view = application_view(uow, app, role=role)
        uow.commit()
        return view


def upload(
    uow: UnitOfWork, *, principal: Principal, application_id: str, doc: dict[str, Any]
) -> dict[str, Any]:
    """A required document: declared type allowed for it, size within its limit, magic bytes matching.
    A new upload of the same document replaces the earlier one."""
    with uow:
        app = _load(uow, application_id, lock=True)
        role = role_of(principal, app)
        _editable(app, role)
        spec = type_of(app).document(doc["doc_code"])
        if spec is None:
            raise ValidationFailed(
                "This permit type does not ask for that document",
                reason="unknown_document",
                errors={
                    "json": {"doc_code": [f"One of: {', '.join(d.code for d in type_of(app).documents)}"]}
                },
            )
        content = _checked(doc, spec)
        now = clock.now()
        for old in _s(uow).scalars(
            select(Upload).where(
                Upload.application_id == app.id, Upload.doc_code == spec.code, Upload.status != "replaced"
            )
        ):
            old.status = "replaced"
        _s(uow).add(
            Upload(
                application_id=app.id,
                doc_code=spec.code,
                filename=doc["filename"],
                content_type=doc["content_type"],
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
                status="submitted",
                uploaded_by=principal.id,
                uploaded_at=now,
            )
        )
        history.step(uow, app, action="document_uploaded", now=now, actor=principal, note=spec.name)
        _audit_counter(uow, principal, "upload:permit_document", f"permit_application:{app.id}")
        _s(uow).flush()
        view = application_view(uow, app, role=role)
        uow.commit()
        return view


def _checked(doc: dict[str, Any], spec: catalogue.DocumentSpec) -> bytes:
    try:
        if doc["content_type"] not in spec.types:
            raise uploads.UploadProblem("type_not_allowed")
        raw = uploads.decode_base64(doc["content_base64"])
        return uploads.check_file(raw, content_type=doc["content_type"], max_bytes=spec.max_mb * MB)
    except uploads.UploadProblem as problem:
        words = {
            "not_base64": "Not valid base64",
            "empty": "The file is empty",
            "too_large": f"Larger than {spec.max_mb} MB",
            "type_not_allowed": f"Allowed types: {', '.join(spec.types)}",
            "type_mismatch": "The content is not what content_type says",
        }
        raise ValidationFailed(
            f"The document was not accepted: {words.get(problem.kind, problem.kind)}",
            reason="invalid_document",
            errors={"json": {"content_base64": [words.get(problem.kind, problem.kind)]}},
            extra={"problem": problem.kind},
        ) from None


def document(uow: UnitOfWork, *, principal: Principal, application_id: str, upload_id: str) -> Upload:
    """An uploaded document's bytes, for the applicant and the officers working it (audited)."""
    with uow:
        app = _load(uow, application_id)
        role = role_of(principal, app)
        row = _s(uow).get(Upload, upload_id)
        if row is None or row.application_id != app.id:
            raise NotFound("No such document", reason="not_found")
        if role in (OFFICE, TECHNICAL) and app.applicant_resident_id:
            audit.record(
                uow,
                actor=principal,
                resident_id=app.applicant_resident_id,
                action="read:permit_document",
                resource=f"permit_application:{app.id}",
            )
        _ = row.content
        uow.commit()
        return row


def _requirements_met(app: Application, uow: UnitOfWork) -> None:
    permit_type = type_of(app)
    _check_data(permit_type, app.data or {}, complete=True)
    present = set(
        _s(uow).scalars(
            select(Upload.doc_code).where(Upload.application_id == app.id, Upload.status == "submitted")
        )
    )
    missing = [d.code for d in permit_type.documents if d.code not in present]
    if missing:
        raise ValidationFailed(
            "Required documents are missing",
            reason="documents_missing",
            errors={"json": {"documents": {code: ["Missing"] for code in missing}}},
        )


# ---- acting on an application -------------------------------------------------------------------------


def act(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    action: str,
    note: str | None,
    expected_version: int | None,
) -> dict[str, Any]:
    """One step of the workflow by a person: the role's right, the state, the step's OPD, the version."""
    with uow:
        app = _load(uow, application_id, lock=True)
        role = role_of(principal, app)
        APPLICATIONS.check(app.state, action, role=role)
        check_step_owner(role, app)
        check_version(app.version, expected_version, what="application")
        if action in ("request_correction", "reject") and not note:
            raise ValidationFailed(
                "Say why: the applicant sees it",
                reason="note_required",
                errors={"json": {"note": ["Required"]}},
            )
        now = clock.now()
        sla = SlaClock.load(uow)
        if action == "submit":
            _requirements_met(app, uow)
            steps.start(uow, app, now=now, actor=principal, sla=sla)
        elif action == "answer_correction":
            _requirements_met(app, uow)
            steps.answer_correction(uow, app, now=now, actor=principal, sla=sla, note=note)
        elif action == "request_correction":
            steps.request_correction(uow, app, now=now, actor=principal, note=note or "")
        elif action == "complete_step":
            steps.advance(uow, app, now=now, actor=principal, sla=sla, note=note)
        else:
            steps.decide(uow, app, action, now=now, actor=principal, note=note)
        _audit_counter(uow, principal, f"{action}:permit_application", f"permit_application:{app.id}")
        view = application_view(uow, app, role=role)
        uow.commit()
        return view


def get(
    uow: UnitOfWork, *, principal: Principal, application_id: str, audited: bool = True
) -> dict[str, Any]:
    """The application as the caller's role may see it; staff reads are in the owner's access log."""
    with uow:
        app = _load(uow, application_id)
        role = role_of(principal, app)
        if audited and role in (OFFICE, TECHNICAL) and app.applicant_resident_id:
            audit.record(
                uow,
                actor=principal,
                resident_id=app.applicant_resident_id,
                action="read:permit_application",
                resource=f"permit_application:{app.id}",
            )
        view = application_view(uow, app, role=role)
        uow.commit()
        return view


def history_rows(uow: UnitOfWork, app: Application, *, public_only: bool) -> list[History]:
    stmt = select(History).where(History.application_id == app.id)
    if public_only:
        stmt = stmt.where(History.public.is_(True))
    return list(_s(uow).scalars(stmt.order_by(History.seq, History.at)))

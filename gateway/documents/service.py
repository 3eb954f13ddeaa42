"""Signed documents: issue a version, replace or revoke it, who may download it, the public verify view.

issue/revoke/get/for_residents run inside the caller's open unit of work and never commit, so a
service's own rows and its documents commit together; pdf_for and verify are whole use cases
(called from routes) and run their own transaction.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway import audit, outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, new_id, utcnow
from gateway.documents import jobs  # the render job, enqueued by reference (jobs imports us back)
from gateway.documents.models import DEFAULT_AUTHORITY, Document, DocumentOwner
from gateway.errors import Conflict, NotFound
from gateway.identity import nik as nik_rules

READER_OPD = "DISDUKCAPIL"  # officers of this OPD may read every population document (audited)
_TOKEN_SALT = "gateway.documents.verify"


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None, "use inside `with uow:`"
    return uow.session


# ---- issuing ------------------------------------------------------------------------------------------


def issue(
    uow: UnitOfWork,
    *,
    kind: str,
    number: str,
    title: str,
    fields: list[list[str]] | list[tuple[str, str]],
    public: dict[str, Any],
    owner_resident_ids: list[str],
    subject_resident_id: str | None = None,
    table: dict[str, Any] | None = None,
    series_key: str | None = None,
    issued_at: datetime | None = None,
    authority: str = DEFAULT_AUTHORITY,
) -> Document:
    """Add a document version in the caller's transaction and queue its rendering.

    A new version of a series (same series_key; default "<kind>:<number>") replaces the valid one.
    """
    session = _s(uow)
    series_key = series_key or f"{kind}:{number}"
    in_series = (Document.series_key == series_key, Document.status == "valid")
    _serialize_series(uow, in_series)
    previous = list(
        session.scalars(select(Document).where(*in_series).execution_options(populate_existing=True))
    )
    latest = session.scalar(select(func.max(Document.version)).where(Document.series_key == series_key))
    owners = list(dict.fromkeys(r for r in owner_resident_ids if r))
    if subject_resident_id and subject_resident_id not in owners:
        owners.insert(0, subject_resident_id)
    document = Document(
        id=new_id(),
        kind=kind,
        number=number,
        version=(latest or 0) + 1,
        status="valid",
        title=title,
        authority=authority,
        fields=[[str(label), "" if value is None else str(value)] for label, value in fields],
        table=_clean_table(table),
        public=dict(public),
        subject_resident_id=subject_resident_id,
        owner_resident_ids=owners,
        series_key=series_key,
        issued_at=issued_at or utcnow(),
        signed=False,
        scan_count=0,
    )
    document.owners = [DocumentOwner(resident_id=r) for r in owners]
    session.add(document)
    for old in previous:
        old.status = "replaced"
        old.replaced_by_id = document.id
    session.flush()
    outbox.enqueue(uow, jobs.render, document_id=document.id)
    return document


def _serialize_series(uow: UnitOfWork, in_series: tuple[Any, ...]) -> None:
    """Make concurrent issuers of one series take turns, so exactly one version stays valid.

    PostgreSQL: a row lock on the valid version; the winner's new version is only visible to a fresh
    statement, hence the select after it, and the unique (series_key, version) catches a first-issue
    race. SQLite has no row locks and reads outside a write transaction see no stable snapshot: a
    write (touching nothing) first takes the database's write lock, so the reads below see the last
    committed version and no other writer can add one before this transaction ends.
    """
    session = _s(uow)
    if uow.is_postgres:
        session.execute(select(Document.id).where(*in_series).with_for_update())
    else:
        session.execute(
            update(Document)
            .where(*in_series)
            .values(status=Document.status)
            .execution_options(synchronize_session=False)
        )


def _clean_table(table: dict[str, Any] | None) -> dict[str, Any] | None:
    if not table:
        return None
    columns = [str(c) for c in table.get("columns", [])]
    rows = [["" if v is None else str(v) for v in row] for row in table.get("rows", [])]
    cleaned: dict[str, Any] = {"columns": columns, "rows": rows}
    if table.get("page") in ("a4-landscape", "id1"):  # how render.py lays it out (default A4)
        cleaned["page"] = table["page"]
    if table.get("sections"):
        cleaned["sections"] = [
            {"title": str(s.get("title", "")), "columns": [str(c) for c in s.get("columns", [])]}
            for s in table["sections"]
        ]
    return cleaned


def revoke(uow: UnitOfWork, *, document_id: str, reason: str) -> Document:
    """Mark a document revoked (its verify page says DICABUT); revoking twice changes nothing."""
    document = _s(uow).get(Document, document_id)
    if document is None:
        raise NotFound("Document not found", reason="document_not_found")
    if document.status != "revoked":
        document.status = "revoked"
        document.revoked_reason = reason[:300]
        document.revoked_at = utcnow()
        _s(uow).flush()
    return document


def get(uow: UnitOfWork, document_id: str) -> Document | None:
    return _s(uow).get(Document, document_id)


def for_residents(uow: UnitOfWork, resident_ids: list[str]) -> list[Document]:
    """Every document one of these residents owns, newest first (all versions, whatever status)."""
    ids = [r for r in dict.fromkeys(resident_ids) if r]
    if not ids:
        return []
    owned = select(DocumentOwner.document_id).where(DocumentOwner.resident_id.in_(ids))
    stmt = (
        select(Document)
        .where(Document.id.in_(owned))
        .order_by(Document.issued_at.desc(), Document.version.desc(), Document.id)
    )
    return list(_s(uow).scalars(stmt))


# ---- links and tokens ---------------------------------------------------------------------------------


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def verify_token(document: Document) -> str:
    """Signed (HMAC with SECRET_KEY, own salt), URL-safe, opaque token naming the document; no expiry.

    The payload is the id's 16 bytes, not its text, so the URL and the printed QR code stay small.
    """
    payload = base64.urlsafe_b64encode(uuid.UUID(document.id).bytes).rstrip(b"=")
    return _signer().sign(payload).decode()


def document_id_from_token(token: str) -> str:
    """The document id a token names; a forged or altered token is a 404."""
    try:
        payload = _signer().unsign(token.encode())
        return str(uuid.UUID(bytes=base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4))))
    except (BadSignature, ValueError, UnicodeEncodeError):
        raise NotFound("This verification code is not genuine", reason="invalid_verification_token") from None


def verify_url(document: Document) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/api/v1/verify/{verify_token(document)}"


def pdf_url(document: Document) -> str:
    return f"/api/v1/documents/{document.id}/pdf"


# ---- use cases called by routes -----------------------------------------------------------------------


def pdf_for(uow: UnitOfWork, *, principal: Principal, document_id: str) -> Document:
    """The document with its PDF, for its owners, counter staff serving an owner, or Disdukcapil officers.

    Staff access is audited (in the owner's access log); anyone else gets a 404.
    """
    with uow:
        document = _s(uow).get(Document, document_id)
        if document is None:
            raise NotFound("Document not found", reason="document_not_found")
        owners = set(document.owner_resident_ids or [])
        if principal.is_citizen and principal.resident_id in owners:
            pass
        elif principal.is_staff and principal.on_behalf_of and principal.on_behalf_of in owners:
            audit.record(
                uow,
                actor=principal,
                resident_id=principal.on_behalf_of,
                action="print:document",
                resource=f"document:{document.kind}:{document.number}:v{document.version}",
                reason=principal.on_behalf_reason,
            )
        elif principal.is_staff and principal.role == "officer" and principal.opd == READER_OPD:
            for resident_id in owners:
                audit.record(
                    uow,
                    actor=principal,
                    resident_id=resident_id,
                    action="read:document",
                    resource=f"document:{document.kind}:{document.number}:v{document.version}",
                )
        else:
            raise NotFound("Document not found", reason="document_not_found")
        if not document.is_ready or document.pdf is None:
            raise Conflict(
                "The document is still being prepared; try again in a few seconds",
                reason="document_not_ready",
            )
        _ = document.pdf  # load the deferred bytes before the session closes
        uow.commit()
        return document


def verify(uow: UnitOfWork, *, token: str) -> dict[str, Any]:
    """What anyone who scans the QR code may know: status and minimal, masked data. Counts the scan."""
    document_id = document_id_from_token(token)
    with uow:
        session = _s(uow)
        counted = session.execute(
            update(Document)
            .where(Document.id == document_id)
            .values(scan_count=Document.scan_count + 1)
            .execution_options(synchronize_session=False)
        )
        if counted.rowcount != 1:  # a genuine token for a deleted document
            raise NotFound("This verification code is not genuine", reason="invalid_verification_token")
        document = session.get(Document, document_id)
        assert document is not None
        replaced_by = None
        successor_id, hops = document.replaced_by_id, 0
        while successor_id and hops < 100:  # v1 → v2 → v3: name the newest, which is what counts now
            newer = session.get(Document, successor_id)
            if newer is None:
                break
            replaced_by = {"number": public_number(newer.number), "version": newer.version}
            successor_id, hops = newer.replaced_by_id, hops + 1
        view = {
            "kind": document.kind,
            "number": public_number(document.number),
            "version": document.version,
            "status": document.status,
            "issued_at": document.issued_at,
            "title": document.title,
            "authority": document.authority,
            "public": dict(document.public or {}),
            "replaced_by": replaced_by,
            "revoked_reason": document.revoked_reason if document.status == "revoked" else None,
            "signed": document.signed,
            "pdf_sha256": document.pdf_sha256,
            "scan_count": document.scan_count,
        }
        uow.commit()
        return view


def public_number(number: str) -> str:
    """A document number as the public may see it: a 16-digit one is a NIK (a KIA) or a KK number.

    Both are personal data (UU 24/2013 art. 79, UU 27/2022), so the verify view masks them as the
    app does ('1272********0001'); akta, permit and letter numbers are not personal and stay whole.
    """
    return nik_rules.mask(number) if len(number) == 16 and number.isdigit() else number

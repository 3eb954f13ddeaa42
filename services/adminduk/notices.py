"""Telling a family after commit (app inbox + SMS), once per event even if a job runs twice, and
making sure the event's documents are rendered first (gateway.documents' render is idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from gateway import documents, notify
from gateway.db import UnitOfWork
from gateway.documents import Document
from gateway.identity import CitizenAccount
from services.adminduk.births.models import Birth
from services.adminduk.deaths.models import Death


def _accounts(uow: UnitOfWork, resident_ids: list[str]) -> list[CitizenAccount]:
    assert uow.session is not None
    ids = [r for r in dict.fromkeys(resident_ids) if r]
    if not ids:
        return []
    stmt = select(CitizenAccount).where(
        CitizenAccount.resident_id.in_(ids), CitizenAccount.status == "active"
    )
    return list(uow.session.scalars(stmt.order_by(CitizenAccount.resident_id)))


def tell(
    uow: UnitOfWork, *, resident_ids: list[str], key: str, kind: str, title: str, body: str, ref: str
) -> None:
    """In-app and SMS, each under its own dedupe key per person: a second run sends nothing."""
    for account in _accounts(uow, resident_ids):
        notify.inbox(
            uow,
            resident_id=account.resident_id,
            kind=kind,
            title=title,
            body=body,
            ref=ref,
            dedupe_key=f"{key}:inbox:{account.resident_id}",
        )
        notify.send_sms(
            uow,
            to=account.phone,
            body=f"Disdukcapil P.Siantar: {body}",
            dedupe_key=f"{key}:sms:{account.resident_id}",
        )


def ensure_rendered(model: type[Birth] | type[Death], row_id: str) -> None:
    """Render (and sign) whichever of the record's current documents has no PDF yet."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        ids = uow.session.scalar(select(model.document_ids).where(model.id == row_id)) or []
        pending = (
            list(
                uow.session.scalars(
                    select(Document.id).where(
                        Document.id.in_(ids), Document.rendered_at.is_(None), Document.status == "valid"
                    )
                )
            )
            if ids
            else []
        )
    for document_id in pending:
        documents.render(document_id)


def locked(uow: UnitOfWork, model: type[Birth] | type[Death], row_id: str) -> Birth | Death | None:
    assert uow.session is not None
    stmt = select(model).where(model.id == row_id)
    if uow.is_postgres:
        stmt = stmt.with_for_update()
    return uow.session.scalar(stmt)

"""My documents: a citizen's own civil documents and their children's, every version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from gateway import audit, documents
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import NotFound
from gateway.identity import Resident
from gateway.identity.service import subject_resident_id
from services.adminduk import wording
from services.adminduk.records import (
    document_link,
)


def my_documents(uow: UnitOfWork, *, principal: Principal, status: str | None = None) -> list[dict[str, Any]]:
    """The citizen's own documents and their children's (every version), newest first."""
    with uow:
        me_id = subject_resident_id(principal)
        me = session_of(uow).get(Resident, me_id)
        if me is None:
            raise NotFound("Resident not found", reason="resident_not_found")
        children = list(
            session_of(uow).scalars(
                select(Resident).where(or_(Resident.mother_nik == me.nik, Resident.father_nik == me.nik))
            )
        )
        people = {me.id: me, **{c.id: c for c in children}}
        mother_niks = {c.mother_nik for c in children if c.mother_nik} | {me.mother_nik} - {None}
        mother_names: dict[str, str] = {}
        if mother_niks:
            rows = session_of(uow).execute(
                select(Resident.nik, Resident.full_name).where(Resident.nik.in_(mother_niks))
            )
            mother_names = {row.nik: row.full_name for row in rows}
        docs = documents.for_residents(uow, list(people))
        if status:
            docs = [d for d in docs if d.status == status]
        if principal.on_behalf_of:
            audit.record(
                uow, actor=principal, resident_id=me.id, action="read:documents", resource="me/documents"
            )
        out = []
        for doc in docs:
            subject = people.get(doc.subject_resident_id or "")
            name = (
                wording.display_name(subject.full_name, mother_names.get(subject.mother_nik or ""))
                if subject
                else None
            )
            out.append(document_link(doc, name))
        uow.commit()
        return out

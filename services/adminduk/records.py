"""What births, deaths and corrections share: who decides, the registry check of a NIK's name and
birth date, the transition history, document links and the review lock."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select

from gateway import documents
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.documents import Document
from gateway.errors import Conflict, Forbidden, NotFound
from gateway.identity import Resident
from services.adminduk.births.models import Birth
from services.adminduk.common import is_disdukcapil_officer
from services.adminduk.deaths.models import Death
from services.adminduk.errors import Problem
from services.adminduk.models import Transition
from services.adminduk.registry import family

Reviewed = TypeVar("Reviewed", Birth, Death)


def _same_name(given: str, registered: str) -> bool:
    """Names compared as people write them: case and spacing do not matter."""
    return " ".join(given.upper().split()) == " ".join(registered.upper().split())


def _same_birth_date(given: date | str, registered: date) -> bool:
    """A full date must be the registry's; a partial FHIR date ('1995', '1995-03') must agree as far as given."""
    if isinstance(given, date):
        return given == registered
    return registered.isoformat().startswith(given) and len(given) in (4, 7)


def identity_problems(
    person: Resident,
    *,
    name: str | None,
    born: date | str | None,
    reason: str,
    fields: tuple[str, str],
    who: str,
) -> list[Problem]:
    """The name and birth date a report gives for a NIK against the registry (each only if given).

    The message never says what the registry holds: a caller with a mistyped NIK learns nothing
    about the person it belongs to.
    """
    problems = []
    if name is not None and not _same_name(name, person.full_name):
        problems.append(
            Problem(422, reason, fields[0], f"The {who}'s name does not match the registry for this NIK")
        )
    if born is not None and not _same_birth_date(born, person.birth_date):
        problems.append(
            Problem(
                422, reason, fields[1], f"The {who}'s birth date does not match the registry for this NIK"
            )
        )
    return problems


def require_disdukcapil_officer(principal: Principal) -> None:
    if not is_disdukcapil_officer(principal):
        raise Forbidden("Only officers of Disdukcapil may do this", reason="opd_not_allowed")


def require_facility_client(principal: Principal, scope: str) -> str:
    if not principal.is_client:
        raise Forbidden("Only a health facility's system may report this", reason="client_required")
    principal.require_scope(scope)
    if not principal.facility:
        raise Forbidden("This client is not bound to a health facility", reason="client_without_facility")
    return principal.facility


def transitions_of(uow: UnitOfWork, kind: str, subject_id: str) -> list[Transition]:
    stmt = (
        select(Transition)
        .where(Transition.subject_kind == kind, Transition.subject_id == subject_id)
        .order_by(Transition.at, Transition.id)
    )
    return list(session_of(uow).scalars(stmt))


def document_link(document: Document, subject_name: str | None = None) -> dict[str, Any]:
    """A document as listed to its owners: each version names whom it names, as its PDF does.

    A KK is the family's card: its subject is the head of family printed on it. An akta or KIA
    names its person in its own 'Nama' field, so a version issued before a rename (v1) keeps the
    old name, the one its PDF shows; `subject_name` (the person's name now) is the fallback.
    """
    if document.kind == family.KK_KIND:
        subject_name = family.head_name(document.fields)
    else:
        subject_name = _printed_name(document.fields) or subject_name
    return {
        "id": document.id,
        "kind": document.kind,
        "title": document.title,
        "number": document.number,
        "version": document.version,
        "status": document.status,
        "issued_at": document.issued_at,
        "rendered": document.rendered_at is not None,
        "subject_resident_id": document.subject_resident_id,
        "subject_name": subject_name,
        "pdf_url": documents.pdf_url(document),
        "verify_url": documents.verify_url(document),
    }


def _printed_name(fields: list[list[str]] | None) -> str | None:
    return next((row[1] for row in fields or [] if row[0] == "Nama" and row[1]), None)


def documents_by_id(uow: UnitOfWork, ids: list[str]) -> list[Document]:
    if not ids:
        return []
    rows = {d.id: d for d in session_of(uow).scalars(select(Document).where(Document.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def held_for_review(uow: UnitOfWork, model: type[Reviewed], record_id: str) -> Reviewed:
    """The birth or death report `record_id`, locked (on PostgreSQL) while an officer decides on it.

    404 if there is none; 409 unless it is held for review.
    """
    stmt = select(model).where(model.id == record_id)
    if uow.is_postgres:
        stmt = stmt.with_for_update()
    record = session_of(uow).scalar(stmt)
    if record is None:
        what = model.__name__.lower()
        raise NotFound(
            f"{model.__name__} registration not found",
            reason=f"{what}_not_found",  # reasons: birth_not_found, death_not_found
        )
    if record.state != "needs_review":
        raise Conflict(f"This report is {record.state}, not waiting for review", reason="not_under_review")
    return record

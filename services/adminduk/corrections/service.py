"""Corrections: a citizen asks to correct the name or birth date on an akta; an officer decides."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from gateway import audit, documents, outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Conflict, NotFound, ValidationFailed
from gateway.identity import Resident
from gateway.identity.service import subject_resident_id
from gateway.kernel import clock
from gateway.kernel.clock import local_today
from services.adminduk import uploads
from services.adminduk.births import service as births
from services.adminduk.births.models import Birth
from services.adminduk.common import is_disdukcapil_officer
from services.adminduk.corrections import jobs
from services.adminduk.corrections.models import Correction
from services.adminduk.models import Transition
from services.adminduk.records import (
    require_disdukcapil_officer,
    transitions_of,
)
from services.adminduk.registry import certificates, numbers
from services.adminduk.workflow import move


def submit_correction(uow: UnitOfWork, *, principal: Principal, data: dict[str, Any]) -> Correction:
    """A citizen asks to correct the name and/or birth date on an akta kelahiran (theirs or a child's)."""
    attachment = uploads.decode(data["attachment"])
    with uow:
        me_id = subject_resident_id(principal)
        me = session_of(uow).get(Resident, me_id)
        if me is None:
            raise NotFound("Resident not found", reason="resident_not_found")
        children = list(
            session_of(uow).scalars(
                select(Resident.id).where(or_(Resident.mother_nik == me.nik, Resident.father_nik == me.nik))
            )
        )
        doc = next(
            (d for d in documents.for_residents(uow, [me.id, *children]) if d.id == data["document_id"]), None
        )
        if doc is None:
            raise NotFound("Document not found", reason="document_not_found")
        if doc.kind != certificates.AKTA_LAHIR:
            raise ValidationFailed(
                "Corrections online are for an akta kelahiran",
                reason="correction_not_supported",
                errors={"json": {"document_id": ["Not an akta kelahiran"]}},
            )
        if doc.status != "valid":
            raise Conflict(
                "Ask for a correction of the current version of the akta", reason="document_not_current"
            )
        birth = session_of(uow).scalar(
            select(Birth).where(Birth.child_resident_id == doc.subject_resident_id)
        )
        subject = session_of(uow).get(Resident, doc.subject_resident_id) if doc.subject_resident_id else None
        if birth is None or subject is None:
            raise NotFound("Document not found", reason="document_not_found")
        name, born = data.get("corrected_name"), data.get("corrected_birth_date")
        if (not name or name == subject.full_name) and (not born or born == subject.birth_date):
            raise ValidationFailed(
                "The corrected data is what the registry already holds",
                reason="nothing_to_correct",
                errors={"json": {"corrected_name": ["Same as the registry"]}},
            )
        if born and born > local_today():
            raise ValidationFailed(
                "A birth date cannot be in the future",
                reason="birth_in_future",
                errors={"json": {"corrected_birth_date": ["In the future"]}},
            )
        pending = session_of(uow).scalar(
            select(Correction.id).where(Correction.resident_id == subject.id, Correction.state == "submitted")
        )
        if pending:
            raise Conflict(
                "A correction for this person is already waiting",
                reason="correction_pending",
                extra={"existing_id": pending},
            )
        correction = Correction(
            tracking_number=numbers.tracking_number("PB", local_today()),
            state="submitted",
            requested_by_resident_id=me.id,
            resident_id=subject.id,
            birth_id=birth.id,
            document_id=doc.id,
            current_name=subject.full_name,
            current_birth_date=subject.birth_date,
            corrected_name=name if name != subject.full_name else None,
            corrected_birth_date=born if born != subject.birth_date else None,
            note=data.get("note"),
            attachment=attachment,
            attachment_content_type=data["attachment"]["content_type"],
            attachment_size=len(attachment),
        )
        session_of(uow).add(correction)
        session_of(uow).flush()
        move(uow, "correction", correction, "submitted", principal, initial=True)
        uow.commit()
        return correction


def _visible_correction(uow: UnitOfWork, principal: Principal, correction_id: str) -> Correction:
    correction = session_of(uow).get(Correction, correction_id)
    if correction is None:
        raise NotFound("Correction not found", reason="correction_not_found")
    if is_disdukcapil_officer(principal):
        audit.record(
            uow,
            actor=principal,
            resident_id=correction.resident_id,
            action="read:correction",
            resource=f"correction:{correction.id}",
        )
        return correction
    if (principal.is_citizen or principal.on_behalf_of) and subject_resident_id(
        principal
    ) == correction.requested_by_resident_id:
        return correction
    raise NotFound("Correction not found", reason="correction_not_found")


def correction_view(
    uow: UnitOfWork, correction: Correction, transitions: list[Transition] | None = None
) -> dict[str, Any]:
    view = {
        c: getattr(correction, c)
        for c in (
            "id",
            "tracking_number",
            "state",
            "document_id",
            "birth_id",
            "current_name",
            "current_birth_date",
            "corrected_name",
            "corrected_birth_date",
            "note",
            "attachment_content_type",
            "attachment_size",
            "decision_reason",
            "created_at",
            "decided_at",
        )
    }
    view["transitions"] = (
        transitions if transitions is not None else transitions_of(uow, "correction", correction.id)
    )
    return view


def get_correction(uow: UnitOfWork, *, principal: Principal, correction_id: str) -> dict[str, Any]:
    with uow:
        correction = _visible_correction(uow, principal, correction_id)
        view = correction_view(uow, correction)
        uow.commit()
        return view


def correction_attachment(uow: UnitOfWork, *, principal: Principal, correction_id: str) -> tuple[bytes, str]:
    with uow:
        correction = _visible_correction(uow, principal, correction_id)
        data, content_type = correction.attachment, correction.attachment_content_type
        uow.commit()
        return data, content_type


def list_corrections(
    uow: UnitOfWork, *, principal: Principal, state: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    require_disdukcapil_officer(principal)
    with uow:
        total = (
            session_of(uow).scalar(
                select(func.count()).select_from(Correction).where(Correction.state == state)
            )
            or 0
        )
        rows = list(
            session_of(uow).scalars(
                select(Correction)
                .where(Correction.state == state)
                .order_by(Correction.created_at, Correction.id)
                .limit(limit)
                .offset(offset)
            )
        )
        for row in rows:
            audit.record(
                uow,
                actor=principal,
                resident_id=row.resident_id,
                action="list:corrections",
                resource=f"correction:{row.id}",
            )
        by_subject: dict[str, list[Transition]] = {row.id: [] for row in rows}
        if rows:  # one query for every row's history, not one per row
            history = select(Transition).where(
                Transition.subject_kind == "correction", Transition.subject_id.in_(list(by_subject))
            )
            for t in session_of(uow).scalars(history.order_by(Transition.at, Transition.id)):
                by_subject[t.subject_id].append(t)
        views = [correction_view(uow, row, by_subject[row.id]) for row in rows]
        uow.commit()
        return views, total


def decide_correction(
    uow: UnitOfWork, *, principal: Principal, correction_id: str, approve: bool, reason: str
) -> dict[str, Any]:
    """Approval corrects the registry and issues new versions of the akta, KIA and KK."""
    require_disdukcapil_officer(principal)
    with uow:
        stmt = select(Correction).where(Correction.id == correction_id)
        if uow.is_postgres:
            stmt = stmt.with_for_update()
        correction = session_of(uow).scalar(stmt)
        if correction is None:
            raise NotFound("Correction not found", reason="correction_not_found")
        if correction.state != "submitted":
            raise Conflict(f"This correction is already {correction.state}", reason="correction_decided")
        correction.decision_reason = reason
        correction.decided_at = clock.now()
        audit.record(
            uow,
            actor=principal,
            resident_id=correction.resident_id,
            action="decide:correction",
            resource=f"correction:{correction.id}",
            reason=reason,
        )
        if approve:
            birth = session_of(uow).get(Birth, correction.birth_id)
            child = session_of(uow).get(Resident, correction.resident_id)
            assert birth is not None and child is not None
            changes = []
            if correction.corrected_name:
                child.full_name = correction.corrected_name
                birth.child_name = correction.corrected_name
                changes.append("nama")
            if correction.corrected_birth_date:
                child.birth_date = correction.corrected_birth_date
                birth.birth_date = correction.corrected_birth_date
                if birth.dedupe_key:
                    birth.dedupe_key = births.dedupe_key(
                        birth.mother_nik, birth.birth_date, birth.multiple_birth_order
                    )
                changes.append("tanggal lahir")
            session_of(uow).flush()
            births.reissue_for_birth(
                uow,
                birth=birth,
                child=child,
                kk_reason=f"Pembetulan {' dan '.join(changes)} ({correction.tracking_number})",
            )
            move(uow, "correction", correction, "approved", principal, reason)
        else:
            move(uow, "correction", correction, "rejected", principal, reason)
        outbox.enqueue(uow, jobs.correction_decided, correction_id=correction.id)
        session_of(uow).flush()
        view = correction_view(uow, correction)
        uow.commit()
        return view

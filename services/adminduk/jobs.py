"""Adminduk jobs after commit: tell the family (app inbox + SMS), once per event even if run twice.

The family is told when the signed PDFs can be downloaded: a job first makes sure each document of
the event is rendered (gateway.documents' render is idempotent; usually its own job has done it).
"""

from __future__ import annotations

from sqlalchemy import select

from gateway import notify
from gateway.db import UnitOfWork
from gateway.documents import jobs as document_jobs
from gateway.documents.models import Document
from gateway.identity.models import CitizenAccount, Resident
from services.adminduk import (
    family,
    service,  # (service imports this module back, for job references)
    wording,
)
from services.adminduk.models import Birth, Correction, Death
from services.adminduk.workflow import move


def _accounts(uow: UnitOfWork, resident_ids: list[str]) -> list[CitizenAccount]:
    assert uow.session is not None
    ids = [r for r in dict.fromkeys(resident_ids) if r]
    if not ids:
        return []
    stmt = select(CitizenAccount).where(
        CitizenAccount.resident_id.in_(ids), CitizenAccount.status == "active"
    )
    return list(uow.session.scalars(stmt.order_by(CitizenAccount.resident_id)))


def _tell(
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


def _ensure_rendered(model: type[Birth] | type[Death], row_id: str) -> None:
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
        document_jobs.render(document_id)


def _parents(birth: Birth) -> list[str]:
    return service.parent_ids(birth)


def _locked(uow: UnitOfWork, model: type[Birth] | type[Death], row_id: str) -> Birth | Death | None:
    assert uow.session is not None
    stmt = select(model).where(model.id == row_id)
    if uow.is_postgres:
        stmt = stmt.with_for_update()
    return uow.session.scalar(stmt)


def birth_registered(birth_id: str) -> None:
    """Once the akta, KIA and KK PDFs are ready, tell the parents; the registration moves to `issued`."""
    _ensure_rendered(Birth, birth_id)
    with UnitOfWork() as uow:
        assert uow.session is not None
        birth = _locked(uow, Birth, birth_id)
        if not isinstance(birth, Birth) or birth.state not in ("registered", "issued"):
            return
        _tell(
            uow,
            resident_ids=_parents(birth),
            key=f"adminduk:birth:{birth.id}:registered",
            kind="adminduk.birth_registered",
            title="Akta kelahiran, KIA dan KK baru telah terbit",
            body=(
                f"Kelahiran anak Anda ({wording.tanggal(birth.birth_date)}) telah dicatat. "
                f"No. registrasi {birth.tracking_number}, akta kelahiran {birth.akta_number}. "
                "Dokumen dapat diunduh di aplikasi."
            ),
            ref=f"birth:{birth.id}",
        )
        if birth.state == "registered":
            move(uow, "birth", birth, "issued", None, "signed documents ready; parents notified")
        uow.commit()


def birth_rejected(birth_id: str) -> None:
    """Tell the parents a report held for review was rejected, and why."""
    with UnitOfWork() as uow:
        birth = _locked(uow, Birth, birth_id)
        if not isinstance(birth, Birth) or birth.state != "rejected":
            return
        _tell(
            uow,
            resident_ids=_parents(birth),
            key=f"adminduk:birth:{birth.id}:rejected",
            kind="adminduk.birth_rejected",
            title="Laporan kelahiran ditolak",
            body=f"Laporan kelahiran {birth.tracking_number} ditolak: {birth.decision_reason}. Hubungi Disdukcapil.",
            ref=f"birth:{birth.id}",
        )
        uow.commit()


def birth_documents_reissued(birth_id: str, event: str) -> None:
    """New versions of the child's documents (after naming or a correction), once their PDFs are ready."""
    _ensure_rendered(Birth, birth_id)
    with UnitOfWork() as uow:
        assert uow.session is not None
        birth = uow.session.get(Birth, birth_id)
        if birth is None:
            return
        _tell(
            uow,
            resident_ids=_parents(birth),
            key=f"adminduk:birth:{birth.id}:{event}",
            kind="adminduk.documents_reissued",
            title="Dokumen anak Anda diperbarui",
            body=(
                f"Akta kelahiran, KIA dan KK versi baru untuk {birth.child_name or 'anak Anda'} telah terbit "
                f"(No. registrasi {birth.tracking_number})."
            ),
            ref=f"birth:{birth.id}",
        )
        uow.commit()


def correction_decided(correction_id: str) -> None:
    """Tell the requester the decision (after an approval, once the new PDFs are ready)."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        decided = uow.session.get(Correction, correction_id)
        birth_id = decided.birth_id if decided is not None and decided.state == "approved" else None
    if birth_id:
        _ensure_rendered(Birth, birth_id)
    with UnitOfWork() as uow:
        assert uow.session is not None
        correction = uow.session.get(Correction, correction_id)
        if correction is None or correction.state == "submitted":
            return
        if correction.state == "approved":
            title = "Permohonan pembetulan akta disetujui"
            body = f"Permohonan {correction.tracking_number} disetujui; akta, KIA dan KK versi baru telah terbit."
        else:
            title = "Permohonan pembetulan akta ditolak"
            body = f"Permohonan {correction.tracking_number} ditolak: {correction.decision_reason}"
        _tell(
            uow,
            resident_ids=[correction.requested_by_resident_id],
            key=f"adminduk:correction:{correction.id}:{correction.state}",
            kind="adminduk.correction_decided",
            title=title,
            body=body,
            ref=f"correction:{correction.id}",
        )
        uow.commit()


def death_registered(death_id: str) -> None:
    """Once the akta kematian and KK PDFs are ready, tell the family; the registration moves to `issued`."""
    _ensure_rendered(Death, death_id)
    with UnitOfWork() as uow:
        assert uow.session is not None
        death = _locked(uow, Death, death_id)
        if not isinstance(death, Death) or death.state not in ("registered", "issued"):
            return
        deceased = uow.session.get(Resident, death.resident_id)
        members = [m.id for m in family.living_members(uow, death.kk_number)] if death.kk_number else []
        if death.reporter_resident_id:
            members.append(death.reporter_resident_id)
        name = deceased.full_name if deceased else ""
        _tell(
            uow,
            resident_ids=members,
            key=f"adminduk:death:{death.id}:registered",
            kind="adminduk.death_registered",
            title="Akta kematian telah terbit",
            body=(
                f"Turut berduka cita. Kematian {name} ({wording.tanggal(death.death_date)}) telah dicatat. "
                f"No. registrasi {death.tracking_number}, akta kematian {death.akta_number}; KK baru telah terbit."
            ),
            ref=f"death:{death.id}",
        )
        if death.state == "registered":
            move(uow, "death", death, "issued", None, "signed documents ready; family notified")
        uow.commit()

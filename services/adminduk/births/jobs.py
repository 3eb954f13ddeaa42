"""Birth jobs after commit: tell the parents when the documents can be downloaded."""

from __future__ import annotations

from gateway.db import UnitOfWork
from services.adminduk import wording
from services.adminduk.births import service
from services.adminduk.births.models import Birth
from services.adminduk.notices import ensure_rendered, locked, tell
from services.adminduk.workflow import move


def _parents(birth: Birth) -> list[str]:
    return service.parent_ids(birth)


def birth_registered(birth_id: str) -> None:
    """Once the akta, KIA and KK PDFs are ready, tell the parents; the registration moves to `issued`."""
    ensure_rendered(Birth, birth_id)
    with UnitOfWork() as uow:
        assert uow.session is not None
        birth = locked(uow, Birth, birth_id)
        if not isinstance(birth, Birth) or birth.state not in ("registered", "issued"):
            return
        tell(
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
        birth = locked(uow, Birth, birth_id)
        if not isinstance(birth, Birth) or birth.state != "rejected":
            return
        tell(
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
    ensure_rendered(Birth, birth_id)
    with UnitOfWork() as uow:
        assert uow.session is not None
        birth = uow.session.get(Birth, birth_id)
        if birth is None:
            return
        tell(
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

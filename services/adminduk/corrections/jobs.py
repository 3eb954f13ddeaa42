"""Correction jobs after commit: tell the requester the decision."""

from __future__ import annotations

from gateway.db import UnitOfWork
from services.adminduk.births.models import Birth
from services.adminduk.corrections.models import Correction
from services.adminduk.notices import ensure_rendered, tell


def correction_decided(correction_id: str) -> None:
    """Tell the requester the decision (after an approval, once the new PDFs are ready)."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        decided = uow.session.get(Correction, correction_id)
        birth_id = decided.birth_id if decided is not None and decided.state == "approved" else None
    if birth_id:
        ensure_rendered(Birth, birth_id)
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
        tell(
            uow,
            resident_ids=[correction.requested_by_resident_id],
            key=f"adminduk:correction:{correction.id}:{correction.state}",
            kind="adminduk.correction_decided",
            title=title,
            body=body,
            ref=f"correction:{correction.id}",
        )
        uow.commit()

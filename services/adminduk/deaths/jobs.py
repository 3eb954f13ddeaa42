"""Death jobs after commit: tell the family."""

from __future__ import annotations

from gateway.db import UnitOfWork
from gateway.identity import Resident
from services.adminduk import wording
from services.adminduk.deaths.models import Death
from services.adminduk.notices import ensure_rendered, locked, tell
from services.adminduk.registry import family
from services.adminduk.workflow import move


def death_registered(death_id: str) -> None:
    """Once the akta kematian and KK PDFs are ready, tell the family; the registration moves to `issued`."""
    ensure_rendered(Death, death_id)
    with UnitOfWork() as uow:
        assert uow.session is not None
        death = locked(uow, Death, death_id)
        if not isinstance(death, Death) or death.state not in ("registered", "issued"):
            return
        deceased = uow.session.get(Resident, death.resident_id)
        members = [m.id for m in family.living_members(uow, death.kk_number)] if death.kk_number else []
        if death.reporter_resident_id:
            members.append(death.reporter_resident_id)
        name = deceased.full_name if deceased else ""
        tell(
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

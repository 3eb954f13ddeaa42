"""The officers' review queue: births and deaths held for review, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, union_all

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from services.adminduk import wording
from services.adminduk.births.models import Birth
from services.adminduk.deaths.models import Death
from services.adminduk.records import (
    require_disdukcapil_officer,
)


def list_reviews(
    uow: UnitOfWork, *, principal: Principal, state: str, kind: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The officers' queue of births and deaths in a state, oldest first."""
    require_disdukcapil_officer(principal)
    with uow:
        parts = []
        if kind in (None, "birth"):
            parts.append(
                select(
                    Birth.id.label("id"), literal("birth").label("kind"), Birth.created_at.label("created_at")
                ).where(Birth.state == state)
            )
        if kind in (None, "death"):
            parts.append(
                select(
                    Death.id.label("id"), literal("death").label("kind"), Death.created_at.label("created_at")
                ).where(Death.state == state)
            )
        queue = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        total = session_of(uow).scalar(select(func.count()).select_from(queue)) or 0
        rows = list(
            session_of(uow).execute(
                select(queue.c.id, queue.c.kind)
                .order_by(queue.c.created_at, queue.c.id)
                .limit(limit)
                .offset(offset)
            )
        )
        birth_ids = [r.id for r in rows if r.kind == "birth"]
        death_ids = [r.id for r in rows if r.kind == "death"]
        births = (
            {b.id: b for b in session_of(uow).scalars(select(Birth).where(Birth.id.in_(birth_ids)))}
            if birth_ids
            else {}
        )
        deaths = (
            {d.id: d for d in session_of(uow).scalars(select(Death).where(Death.id.in_(death_ids)))}
            if death_ids
            else {}
        )
        items = []
        for row in rows:
            if row.kind == "birth":
                items.append(_birth_item(uow, principal, births[row.id]))
            else:
                items.append(_death_item(uow, principal, deaths[row.id]))
        uow.commit()
        return items, total


def _birth_item(uow: UnitOfWork, principal: Principal, b: Birth) -> dict[str, Any]:
    """A birth in the queue (the mother's NIK masked); listing it is an audited read of the mother."""
    audit.record(
        uow,
        actor=principal,
        resident_id=b.mother_resident_id,
        action="list:reviews",
        resource=f"birth:{b.id}",
    )
    return {
        "kind": "birth",
        "id": b.id,
        "tracking_number": b.tracking_number,
        "state": b.state,
        "review_reasons": b.review_reasons,
        "created_at": b.created_at,
        "summary": f"Kelahiran {wording.SEX[b.sex].lower()} {wording.tanggal(b.birth_date)}, "
        f"ibu NIK {wording.masked(b.mother_nik)}, {b.facility_code}",
        "url": f"/api/v1/adminduk/births/{b.id}",
    }


def _death_item(uow: UnitOfWork, principal: Principal, d: Death) -> dict[str, Any]:
    """A death in the queue (the NIK masked); listing it is an audited read of the deceased."""
    audit.record(
        uow, actor=principal, resident_id=d.resident_id, action="list:reviews", resource=f"death:{d.id}"
    )
    return {
        "kind": "death",
        "id": d.id,
        "tracking_number": d.tracking_number,
        "state": d.state,
        "review_reasons": d.review_reasons,
        "created_at": d.created_at,
        "summary": f"Kematian NIK {wording.masked(d.nik)} {wording.tanggal(d.death_date)} ({d.source})",
        "url": f"/api/v1/adminduk/deaths/{d.id}",
    }

"""The periodic sweep of the working-day clock: reminders to the officers before a step's deadline,
escalation to the head of DPMPTSP when it passes, fiktif positif (57) where silence approves, void when
the retribusi is unpaid by its deadline, and reminders before a permit expires. Each act is claimed once
(`mark_once`), so overlapping sweeps never act twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from gateway import documents, notify
from gateway.db import UnitOfWork
from gateway.identity import Staff
from gateway.kernel import clock
from gateway.kernel.sla import Ladder, SlaClock, mark_once
from services.permits import catalogue, issuing, steps
from services.permits.models import Application, Business, Permit, SlaMark
from services.permits.workflow import DPMPTSP, WORKED_STEPS

# The officers the morning of the deadline (16:00 WIB); the head of DPMPTSP when it passes.
LADDER = Ladder(remind_before=timedelta(hours=8), escalations=(("head", 0),))
EXPIRY_NOTICE_DAYS = (30, 7)


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def _staff(uow: UnitOfWork, *, opd: str | None, position: str | None = None) -> list[Staff]:
    stmt = select(Staff).where(Staff.active.is_(True), Staff.role == "officer", Staff.opd_code == opd)
    if position:
        stmt = stmt.where(Staff.position == position)
    return list(_s(uow).scalars(stmt))


def _tell_staff(uow: UnitOfWork, people: list[Staff], body: str, key: str) -> int:
    sent = 0
    for member in people:
        if member.phone:
            notify.send_sms(uow, to=member.phone, body=body[:300], dedupe_key=f"permits:{key}:{member.id}")
            sent += 1
    return sent


# What the ladder reads of an application: plain rows, not ORM objects (a steady sweep reads thousands).
LADDER_COLUMNS = (
    Application.id,
    Application.number,
    Application.permit_type,
    Application.step,
    Application.review_round,
    Application.step_due_at,
    Application.current_opd,
)


def _mark(step: str, app: Any) -> str:
    """The ladder step for this deadline of this step (a new round or a moved deadline is a new mark)."""
    return f"{step}:{app.step}:{app.review_round}:{app.step_due_at:%Y%m%d%H%M}"[:60]


class _Ladder:
    """One sweep's walk of the ladder: the marks already claimed and the staff to tell, each read once."""

    def __init__(self, uow: UnitOfWork, sla: SlaClock, now: datetime, claimed: set[tuple[str, str]]) -> None:
        self.uow, self.sla, self.now, self.claimed = uow, sla, now, claimed
        self.people: dict[tuple[str | None, str | None], list[Staff]] = {}
        self.done: dict[str, int] = {}

    def _people(self, opd: str | None, position: str | None = None) -> list[Staff]:
        if (opd, position) not in self.people:
            self.people[(opd, position)] = _staff(self.uow, opd=opd, position=position)
        return self.people[(opd, position)]

    def walk(self, app: Any) -> None:
        for step in LADDER.steps_due(self.sla, now=self.now, due=app.step_due_at):
            mark = _mark(step, app)
            if (app.id, mark) in self.claimed:
                continue  # done by an earlier sweep: nothing written (most overdue applications, every sweep)
            row = {"application_id": app.id, "step": mark, "created_at": self.now}
            if not mark_once(self.uow, SlaMark, row):
                continue  # an overlapping sweep claimed it first
            due_text = clock.local(app.step_due_at).strftime("%d-%m-%Y %H:%M")
            what = f"permohonan {app.number} ({app.permit_type}) tahap {app.step}"
            if step == "reminder":
                body = f"Pengingat: {what} jatuh tempo {due_text} WIB"
                _tell_staff(self.uow, self._people(app.current_opd), body, mark)
            else:
                body = f"Eskalasi: {what} melewati batas {due_text} WIB"
                _tell_staff(self.uow, self._people(DPMPTSP, "head"), body, mark)
            self.done[step] = self.done.get(step, 0) + 1


def sweep(uow: UnitOfWork) -> dict[str, int]:
    """One pass over the applications whose deadlines are near or past."""
    now = clock.now()
    done: dict[str, int] = {}
    fiktif = [t.code for t in catalogue.all_types() if t.fiktif_positif]
    with uow:
        session = _s(uow)
        sla = SlaClock.load(uow)
        running = and_(Application.state.in_(WORKED_STEPS), Application.paused_at.is_(None))
        for app in session.scalars(
            select(Application).where(running, Application.permit_type.in_(fiktif), Application.due_at <= now)
        ):
            steps.decide(uow, app, "fiktif_positif", now=now, actor="system", note=None)
            done["fiktif_positif"] = done.get("fiktif_positif", 0) + 1
        for app in session.scalars(
            select(Application).where(Application.state == "awaiting_payment", Application.step_due_at <= now)
        ):
            steps.void(uow, app, now=now)
            done["void"] = done.get("void", 0) + 1
        session.flush()
        near = and_(running, Application.step_due_at <= LADDER.horizon(now))
        # The marks these applications already have, in one query: a steady sweep over thousands of
        # overdue applications then writes nothing (mark_once still guards against an overlapping sweep).
        claimed = {
            (row.application_id, row.step)
            for row in session.execute(
                select(SlaMark.application_id, SlaMark.step)
                .join(Application, Application.id == SlaMark.application_id)
                .where(near)
            )
        }
        ladder = _Ladder(uow, sla, now, claimed)
        for app in session.execute(select(*LADDER_COLUMNS).where(near)):
            ladder.walk(app)
        done.update(ladder.done)
        uow.commit()
    return done


def expiry(uow: UnitOfWork) -> dict[str, int]:
    """Remind owners 30 and 7 days before tgl_berlaku_izin; mark permits past it expired."""
    now = clock.now()
    today = clock.local_today(now)
    done = {"reminded": 0, "expired": 0}
    with uow:
        session = _s(uow)
        for permit in session.scalars(
            select(Permit).where(
                Permit.status.in_(("active", "warning")),
                Permit.valid_until.is_not(None),
                Permit.valid_until <= today + timedelta(days=max(EXPIRY_NOTICE_DAYS)),
            )
        ):
            assert permit.valid_until is not None
            if permit.valid_until < today:
                permit.status = "expired"
                _refresh_public(uow, permit)
                done["expired"] += 1
                continue
            left = (permit.valid_until - today).days
            window = min(d for d in EXPIRY_NOTICE_DAYS if left <= d)
            mark = f"expiry:{window}:{permit.valid_until:%Y%m%d}"
            if not mark_once(
                uow, SlaMark, {"application_id": permit.application_id, "step": mark, "created_at": now}
            ):
                continue
            owner = session.scalar(select(Business.owner_resident_id).where(Business.nib == permit.nib))
            if owner:
                notify.inbox(
                    uow,
                    resident_id=owner,
                    kind="permit_expiring",
                    title=f"Izin {permit.number} segera berakhir",
                    body=f"Izin {permit.number} ({permit.business_name}) berlaku sampai {permit.valid_until:%d-%m-%Y}. "
                    "Ajukan perpanjangan sebelum tanggal itu.",
                    dedupe_key=f"permits:{mark}:{permit.id}",
                    ref=f"permit:{permit.id}",
                )
            done["reminded"] += 1
        uow.commit()
    return done


def _refresh_public(uow: UnitOfWork, permit: Permit) -> None:
    document = documents.get(uow, permit.document_id) if permit.document_id else None
    permit_type = catalogue.get(permit.permit_type)
    if document is not None and permit_type is not None:
        view = issuing.public_view(permit, permit_type.name)
        if permit.status == "expired":
            view["status_izin"] = f"Berakhir {permit.valid_until:%d-%m-%Y}"
        document.public = view

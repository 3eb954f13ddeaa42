"""Deadlines: reminders, escalation, overdue and auto-close (the periodic sweep), staff notices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, literal, or_, select

from gateway import notify
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.documents import MONTHS_ID as MONTHS
from gateway.errors import Forbidden
from gateway.identity import Staff
from gateway.kernel import clock
from gateway.kernel.sla import Ladder, SlaClock, mark_once
from services.complaints.catalogue import DESK_OPD
from services.complaints.models import (
    Complaint,
    ComplaintSweepMark,
    StaffNotice,
)
from services.complaints.service.access import Actor
from services.complaints.service.common import AUTO_CLOSE_WORKDAYS, _now
from services.complaints.service.history import _event, _touch
from services.complaints.service.workflow import SYSTEM, _transition


def staff_of(uow: UnitOfWork, *, opd_code: str | None = None, position: str | None = None) -> list[Staff]:
    stmt = select(Staff).where(Staff.active.is_(True), Staff.role.in_(("officer", "admin")))
    if opd_code:
        stmt = stmt.where(Staff.opd_code == opd_code)
    if position:
        stmt = stmt.where(Staff.position == position)
    return list(session_of(uow).scalars(stmt))


# A reminder the morning of the deadline day (deadlines fall at 16:00 WIB); the OPD head when it passes,
# the city secretary 2 working days later.
LADDER = Ladder(remind_before=timedelta(hours=8), escalations=(("head", 0), ("secretary", 2)))


def _mark(uow: UnitOfWork, c: Complaint, step: str, now: datetime) -> bool:
    """Claim a sweep step for a complaint; False if it was already done (each step happens once)."""
    return mark_once(uow, ComplaintSweepMark, {"complaint_id": c.id, "step": step, "created_at": now})


def _notice(
    uow: UnitOfWork, c: Complaint, *, kind: str, body: str, opd_code: str, staff: Staff | None, step: str
) -> None:
    key = f"{step}:{c.id}:{staff.id if staff else opd_code}"
    if session_of(uow).scalar(select(StaffNotice.id).where(StaffNotice.dedupe_key == key)):
        return
    session_of(uow).add(
        StaffNotice(
            dedupe_key=key,
            complaint_id=c.id,
            opd_code=opd_code,
            staff_id=staff.id if staff else None,
            kind=kind,
            body=body,
        )
    )
    if staff is not None and staff.phone:
        notify.send_sms(uow, to=staff.phone, body=body[:300], dedupe_key=f"complaints:notice:{key}")


def _notify_people(
    uow: UnitOfWork, c: Complaint, *, kind: str, body: str, opd_code: str, position: str | None, step: str
) -> None:
    """A notice for the OPD (everyone) or for each holder of `position`; OPD-wide if nobody holds it."""
    people = staff_of(uow, opd_code=opd_code if position != "city_secretary" else None, position=position)
    if position is None or not people:
        _notice(uow, c, kind=kind, body=body, opd_code=opd_code, staff=None, step=step)
    for member in people if position else []:
        _notice(uow, c, kind=kind, body=body, opd_code=member.opd_code or opd_code, staff=member, step=step)


def local_text(moment: datetime) -> str:
    """A moment as Indonesians write it: '24 November 2026 pukul 16.00 WIB'."""
    t = clock.local(moment)
    return f"{t.day} {MONTHS[t.month - 1]} {t.year} pukul {t:%H.%M} WIB"


def sentence(text: str) -> str:
    """The text closed by exactly one full stop (an officer's note may already end with one)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def sentences(*parts: str | None) -> str:
    """Sentences joined with one space, each closed once: no '..' whatever the notes end with."""
    return " ".join(sentence(p) for p in parts if p and p.strip())


def sweep(uow: UnitOfWork, *, now: datetime | None = None, batch: int = 2000) -> dict[str, int]:
    """The periodic deadline job (idempotent): reminders before a deadline, escalation to the OPD head
    when it passes and to the city secretary 2 working days later, the public overdue flag, and the
    auto-close of answers the reporter left unconfirmed for 10 working days."""
    now = _now(now)
    done = {"reminders": 0, "escalations": 0, "overdue": 0, "closed": 0}
    with uow:
        sla = SlaClock.load(uow)
        for c in list(session_of(uow).scalars(_due_soon(uow, LADDER.horizon(now), batch))):
            _sweep_one(uow, c, sla=sla, now=now, done=done)
        _auto_close(uow, sla=sla, now=now, batch=batch, done=done)
        uow.commit()
    return done


def _due_soon(uow: UnitOfWork, horizon: datetime, batch: int) -> Select[tuple[Complaint]]:
    """Open complaints whose deadline is within the ladder's horizon, oldest first.

    Complaints whose last step (the city secretary) is done are skipped in SQL, so a backlog of
    long-overdue complaints never crowds newer ones out of the batch.
    """
    last_step = case(
        (Complaint.state == "submitted", literal("verify:secretary")),
        else_=literal("answer") + cast(Complaint.reopen_count, String) + literal(":secretary"),
    )
    finished = (
        select(ComplaintSweepMark.id)
        .where(ComplaintSweepMark.complaint_id == Complaint.id, ComplaintSweepMark.step == last_step)
        .exists()
    )
    stmt = (
        select(Complaint)
        .where(
            or_(
                and_(Complaint.state == "submitted", Complaint.verify_due_at <= horizon),
                and_(
                    Complaint.state.in_(("verified", "assigned", "in_progress")),
                    Complaint.answer_due_at <= horizon,
                ),
            ),
            ~finished,
        )
        .order_by(Complaint.created_at)
        .limit(batch)
    )
    if uow.is_postgres:
        stmt = stmt.with_for_update(skip_locked=True)  # one being edited right now waits for the next run
    return stmt


def _sweep_one(uow: UnitOfWork, c: Complaint, *, sla: SlaClock, now: datetime, done: dict[str, int]) -> None:
    """The ladder's steps for one complaint: a reminder before its deadline; after it, the head, the
    overdue flag, then the city secretary — each step once (marked), whatever the sweeps overlap."""
    if c.state == "submitted":
        phase, due, opd, what = "verify", c.verify_due_at, DESK_OPD, "verifikasi"
    else:
        phase, due, opd, what = f"answer{c.reopen_count or 0}", c.answer_due_at, c.opd_code, "jawaban"
    steps = LADDER.steps_due(sla, now=now, due=due)
    if now < due:
        if "reminder" in steps and _mark(uow, c, f"{phase}:reminder", now):
            body = f"Pengingat: batas {what} pengaduan {c.number} adalah {local_text(due)}."
            _notify_people(
                uow, c, kind="reminder", body=body, opd_code=opd, position=None, step=f"{phase}:reminder"
            )
            done["reminders"] += 1
        return
    if "head" in steps and _mark(uow, c, f"{phase}:head", now):
        body = f"Eskalasi: pengaduan {c.number} melewati batas {what} pada {local_text(due)}."
        _notify_people(
            uow, c, kind="escalation_head", body=body, opd_code=opd, position="head", step=f"{phase}:head"
        )
        _event(uow, c, None, "escalation", c.state, c.state, now=now, note=body, public=False)
        done["escalations"] += 1
    if not c.overdue:
        c.overdue, c.overdue_since = True, now
        note = f"Melewati batas waktu {what}"
        _event(uow, c, None, "overdue", c.state, c.state, now=now, public=True, note=note)
        _touch(c, now)
        done["overdue"] += 1
    if "secretary" in steps and _mark(uow, c, f"{phase}:secretary", now):
        body = f"Eskalasi ke Sekda: pengaduan {c.number} ({opd}) belum ditangani sejak {local_text(due)}."
        _notify_people(
            uow,
            c,
            kind="escalation_secretary",
            body=body,
            opd_code="SETDA",
            position="city_secretary",
            step=f"{phase}:secretary",
        )
        _event(uow, c, None, "escalation", c.state, c.state, now=now, note=body, public=False)
        done["escalations"] += 1


def _auto_close(uow: UnitOfWork, *, sla: SlaClock, now: datetime, batch: int, done: dict[str, int]) -> None:
    """Close answers the reporter left unconfirmed for AUTO_CLOSE_WORKDAYS working days."""
    resolved = (
        select(Complaint).where(Complaint.state == "resolved").order_by(Complaint.resolved_at).limit(batch)
    )
    if uow.is_postgres:
        resolved = resolved.with_for_update(skip_locked=True)
    for c in list(session_of(uow).scalars(resolved)):
        assert c.resolved_at is not None
        if now < sla.due_in_days(c.resolved_at, AUTO_CLOSE_WORKDAYS):
            break  # ordered by resolved_at: the rest are younger
        c.closed_at = now
        _transition(
            uow,
            c,
            Actor(None, None),
            "close",
            role=SYSTEM,
            now=now,
            note=f"Ditutup otomatis: tidak ada tanggapan pelapor dalam {AUTO_CLOSE_WORKDAYS} hari kerja",
        )
        _touch(c, now)
        done["closed"] += 1


def notices(
    uow: UnitOfWork, *, principal: Principal, limit: int = 20, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Reminders and escalations for this staff member: their OPD's, and the ones addressed to them."""
    if not principal.is_staff or principal.role not in ("officer", "admin"):
        raise Forbidden("Notices are for officers", reason="role_not_allowed")
    with uow:
        cond = or_(
            StaffNotice.staff_id == principal.id,
            and_(StaffNotice.staff_id.is_(None), StaffNotice.opd_code == (principal.opd or "")),
        )
        total = session_of(uow).scalar(select(func.count()).select_from(StaffNotice).where(cond)) or 0
        rows = session_of(uow).execute(
            select(StaffNotice, Complaint.number)
            .join(Complaint, Complaint.id == StaffNotice.complaint_id)
            .where(cond)
            .order_by(StaffNotice.created_at.desc(), StaffNotice.id)
            .limit(limit)
            .offset(offset)
        )
        return [
            {
                "id": n.id,
                "kind": n.kind,
                "number": number,
                "opd_code": n.opd_code,
                "personal": n.staff_id is not None,
                "body": n.body,
                "created_at": n.created_at,
            }
            for n, number in rows
        ], total

"""Moving an application through its catalogue steps against the working-day clock.

Each move is one history row (and, for applications OSS knows, one receiveLicenseStatus push with the
PIA status code). The clock per application (`due_at`, the type's total) and per step (`step_due_at`)
stops while the applicant owes something — a correction (41 paused, 42 resumed) or the retribusi — and
resumes moved by the working time that passed, so a pause never eats the office's days.

A correction that changes the application's data (what the fee and the technical assessment are
computed from) is a different application to assess: the count so far is discarded when she changes it
(43 reset, with the fields named) and starts over, full length, when she answers (44 restarted). Only
her own change of the data resets; an officer's request never does (OSS users' complaint about
clarifications that silently reset the deadline).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.errors import Conflict
from gateway.kernel import clock
from gateway.kernel.sla import SlaClock
from services.permits import fees, history, issuing
from services.permits.models import Application, History
from services.permits.workflow import APPLICATIONS, SYSTEM, type_of

# The PIA status each step reports when it starts.
STEP_STATUS = {"screening": "05", "technical_review": "20", "inspection": "40", "approval": "45"}
STEP_NOTE = {
    "screening": "Berkas diterima; pemeriksaan kelengkapan oleh DPMPTSP",
    "technical_review": "Persyaratan lengkap; konsultasi/pemeriksaan teknis",
    "inspection": "Peninjauan lapangan",
    "approval": "Persyaratan terverifikasi; menunggu penerbitan izin",
}


def start(uow: UnitOfWork, app: Application, *, now: datetime, actor: Principal, sla: SlaClock) -> None:
    """Submitted: the whole application's clock starts, then the first step."""
    permit_type = type_of(app)
    app.submitted_at = now
    app.due_at = sla.due_in_days(now, permit_type.sla_workdays)
    enter(uow, app, permit_type.steps[0].code, now=now, actor=actor, sla=sla, action="submitted")


def enter(
    uow: UnitOfWork,
    app: Application,
    step_code: str,
    *,
    now: datetime,
    actor: Principal | str,
    sla: SlaClock,
    action: str | None = None,
    note: str | None = None,
) -> None:
    """Start a step: its deadline, its OPD, its status; the payment step may be skipped (no fee)."""
    permit_type = type_of(app)
    step = permit_type.step(step_code)
    assert step is not None
    app.step, app.step_started_at = step.code, now
    app.step_due_at = sla.due_in_days(now, step.workdays)
    app.current_opd = permit_type.opd_of(step)
    if step.code == "technical_review":
        app.review_round = 1
    if step.code == "payment":
        if fees.start_payment(uow, app, now=now, actor=actor):
            return
        follow = permit_type.step_after("payment")
        assert follow is not None
        enter(uow, app, follow.code, now=now, actor=actor, sla=sla, note="Tidak ada retribusi")
        return
    history.step(
        uow,
        app,
        action=action or f"step_{step.code}",
        now=now,
        actor=actor,
        to_state=step.code,
        kd_status=STEP_STATUS[step.code],
        note=note or STEP_NOTE[step.code],
    )


def advance(
    uow: UnitOfWork, app: Application, *, now: datetime, actor: Principal, sla: SlaClock, note: str | None
) -> None:
    """The current step is done: record it, then the next step of the type."""
    permit_type = type_of(app)
    assert app.step is not None
    done = permit_type.step(app.step)
    kd = "10" if app.step == "screening" else None
    history.step(
        uow,
        app,
        action=f"completed_{app.step}",
        now=now,
        actor=actor,
        kd_status=kd,
        note=note or f"{done.name if done else app.step} selesai",
    )
    follow = permit_type.step_after(app.step)
    assert follow is not None, "approval is always the last step"
    enter(uow, app, follow.code, now=now, actor=actor, sla=sla)


def request_correction(
    uow: UnitOfWork, app: Application, *, now: datetime, actor: Principal, note: str
) -> None:
    """Ask the applicant to correct something: the clock stops (41) with the reason she sees."""
    if app.step == "technical_review":
        step = type_of(app).step("technical_review")
        assert step is not None
        if app.review_round >= step.max_rounds:
            raise Conflict(
                f"Technical review is limited to {step.max_rounds} rounds: recommend or reject",
                reason="review_rounds_exhausted",
                extra={"rounds": app.review_round},
            )
    app.paused_at, app.pause_reason = now, note
    app.correction_note = note
    history.step(
        uow,
        app,
        action="correction_requested",
        now=now,
        actor=actor,
        to_state="correction",
        kd_status="41",
        note=note,
    )


def answer_correction(
    uow: UnitOfWork, app: Application, *, now: datetime, actor: Principal, sla: SlaClock, note: str | None
) -> None:
    """The applicant answered: the clock resumes (42), both deadlines moved by the pause; or, when her
    correction changed the data (43), it restarts (44) with the type's full deadlines from now."""
    reset = _clock_status(uow, app) == "43"
    if reset:
        restart(app, now=now, sla=sla)
    else:
        resume(app, now=now, sla=sla, step_too=True)
    if app.step == "technical_review":
        app.review_round += 1
    answered = note or "Perbaikan disampaikan pemohon"
    history.step(
        uow,
        app,
        action="correction_answered",
        now=now,
        actor=actor,
        to_state=app.step,
        kd_status="44" if reset else "42",
        note=f"{answered}; {_restart_note(app)}"
        if reset
        else note or f"{answered}; waktu layanan dilanjutkan",
    )


def reset_clock(
    uow: UnitOfWork, app: Application, *, now: datetime, actor: Principal, changed: list[str]
) -> None:
    """The applicant changed the data during a correction: the count so far no longer applies (43).
    Once per correction; the deadlines start over when she answers (see answer_correction)."""
    if app.state != "correction" or not changed or _clock_status(uow, app) == "43":
        return
    history.step(
        uow,
        app,
        action="clock_reset",
        now=now,
        actor=actor,
        kd_status="43",
        note=f"Data permohonan diubah ({', '.join(changed)}): penilaian dimulai dari awal; "
        "waktu layanan dihitung ulang penuh setelah perbaikan disampaikan",
    )


def _clock_status(uow: UnitOfWork, app: Application) -> str | None:
    """The last clock event of the application (41, 42, 43 or 44): "43" means a reset awaits restart."""
    assert uow.session is not None
    return uow.session.scalar(
        select(History.kd_status)
        .where(History.application_id == app.id, History.kd_status.in_(("41", "42", "43", "44")))
        .order_by(History.seq.desc())
        .limit(1)
    )


def restart(app: Application, *, now: datetime, sla: SlaClock) -> None:
    """Both deadlines counted anew from now: the type's whole total and the current step's days."""
    permit_type = type_of(app)
    step = permit_type.step(app.step or "")
    assert step is not None
    app.due_at = sla.due_in_days(now, permit_type.sla_workdays)
    app.step_due_at = sla.due_in_days(now, step.workdays)
    app.step_started_at = now
    app.paused_at, app.pause_reason = None, None


def _restart_note(app: Application) -> str:
    assert app.step_due_at is not None and app.due_at is not None
    step_due, whole_due = clock.local(app.step_due_at), clock.local(app.due_at)
    return (
        f"waktu layanan dimulai ulang: tahap {app.step} sampai {step_due:%d-%m-%Y %H:%M} WIB, "
        f"seluruh permohonan sampai {whole_due:%d-%m-%Y %H:%M} WIB"
    )


def resume(app: Application, *, now: datetime, sla: SlaClock, step_too: bool) -> None:
    if app.paused_at is None:
        return
    if app.due_at is not None:
        app.due_at = sla.resume(app.due_at, paused_at=app.paused_at, resumed_at=now)
    if step_too and app.step_due_at is not None:
        app.step_due_at = sla.resume(app.step_due_at, paused_at=app.paused_at, resumed_at=now)
    app.paused_at, app.pause_reason = None, None


def paid(uow: UnitOfWork, app: Application, *, now: datetime, sla: SlaClock) -> None:
    """The retribusi is paid: 32, the clock resumes, on to approval."""
    APPLICATIONS.check(app.state, "paid", role=SYSTEM)
    resume(app, now=now, sla=sla, step_too=False)
    history.step(
        uow,
        app,
        action="paid",
        now=now,
        actor="system",
        kd_status="32",
        note=f"Retribusi Rp{app.fee_amount or 0:,} dibayar".replace(",", "."),
    )
    follow = type_of(app).step_after("payment")
    assert follow is not None
    enter(uow, app, follow.code, now=now, actor="system", sla=sla)


def void(uow: UnitOfWork, app: Application, *, now: datetime) -> None:
    """Unpaid by the payment deadline: the application is void (33)."""
    APPLICATIONS.check(app.state, "void", role=SYSTEM)
    fees.cancel_open_invoice(uow, app)
    app.decided_at = now
    history.step(
        uow,
        app,
        action="void",
        now=now,
        actor="system",
        to_state="void",
        kd_status="33",
        note="Retribusi tidak dibayar sampai batas waktu; permohonan batal",
    )


def decide(
    uow: UnitOfWork, app: Application, action: str, *, now: datetime, actor: Principal | str, note: str | None
) -> None:
    """approve (49 number, 50 approved, receiveLicense), fiktif_positif (57), or reject (90/93)."""
    app.decided_at = now
    app.paused_at = app.pause_reason = None
    if action == "reject":
        app.decision_reason = note
        kd = "93" if app.step == "screening" else "90"
        history.step(
            uow, app, action="rejected", now=now, actor=actor, to_state="rejected", kd_status=kd, note=note
        )
        return
    issuing.issue(uow, app, now=now, actor=actor, fiktif_positif=action == "fiktif_positif", note=note)

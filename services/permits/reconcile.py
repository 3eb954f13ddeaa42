"""The nightly reconciliation: ask OSS (checkLicenseStatus) what it holds for each application it knows
and, where it lags behind us, send our status again through the outbox. Every mismatch is a history row
staff see; OSS being down leaves the rest for the next night (nothing is changed on a guess)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.db import UnitOfWork
from gateway.kernel import clock
from services.permits import history, oss, outbound
from services.permits.models import Application, OssCall, Permit
from services.permits.workflow import CLOSED_STATES

RECENT = timedelta(days=30)  # closed applications are checked for a month after their last change


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def _ours(uow: UnitOfWork, app: Application) -> str | None:
    """The status OSS should hold: for an issued permit the licence's own status."""
    if app.state == "issued":
        permit = _s(uow).scalar(select(Permit).where(Permit.application_id == app.id))
        if permit is not None and permit.status in ("warning", "suspended", "revoked"):
            return app.kd_status
        return "57" if permit is not None and permit.fiktif_positif else "50"
    return app.kd_status


def run(uow: UnitOfWork) -> dict[str, int]:
    now = clock.now()
    done = {"checked": 0, "matching": 0, "resent": 0, "waiting": 0, "unreachable": 0}
    with uow:
        session = _s(uow)
        ids = list(
            session.scalars(
                select(Application.id).where(
                    Application.id_izin.is_not(None),
                    Application.kd_status.is_not(None),
                    or_(Application.state.not_in(CLOSED_STATES), Application.updated_at >= now - RECENT),
                )
            )
        )
    sender = outbound.client()
    for application_id in ids:
        outcome = _check_one(UnitOfWork(), application_id, sender)
        done[outcome] += 1
        done["checked"] += 1
        if outcome == "unreachable":
            break  # OSS is down: tomorrow night
    return done


def _check_one(uow: UnitOfWork, application_id: str, sender: oss.OssClient) -> str:
    with uow:
        session = _s(uow)
        app = session.get(Application, application_id)
        assert app is not None
        unsent = session.scalar(
            select(OssCall.id).where(OssCall.application_id == app.id, OssCall.state != "sent").limit(1)
        )
        if unsent:
            return "waiting"  # our own calls are still on their way (or wait for staff)
        query = {"checkLicenseStatus": {"nib": app.nib, "id_izin": app.id_izin}}
        try:
            answer: dict[str, Any] = sender.call("checkLicenseStatus", query)
            theirs = (answer.get("responcheckLicenseStatus") or {}).get("data", {}).get("kd_status")
        except oss.OssUnavailable:
            return "unreachable"
        except oss.OssRefused:
            theirs = None  # OSS has nothing for this item
        ours = _ours(uow, app)
        if theirs == ours:
            return "matching"
        now = clock.now()
        history.step(
            uow,
            app,
            action="reconciled",
            now=now,
            actor="system",
            public=False,
            note=f"OSS memegang status {theirs or '-'}, kami {ours}: status dikirim ulang",
        )
        if app.state == "issued" and ours in ("50", "57"):
            final = _s(uow).scalar(
                select(OssCall)
                .where(OssCall.application_id == app.id, OssCall.method == "receiveLicense")
                .order_by(OssCall.seq.desc())
                .limit(1)
            )
            if final is not None:
                outbound.resend(uow, app, final)
        elif ours:
            outbound.push_status(uow, app, kd_status=ours, keterangan="Rekonsiliasi status", now=now)
        uow.commit()
        return "resent"

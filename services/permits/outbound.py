"""Our calls to OSS: written as rows with the change they report, sent in order by a job through the
outbox, retried with back-off while OSS is unreachable, kept `refused` (visible to staff, retryable after
a fix) when OSS says no. Never dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, utcnow
from gateway.errors import Forbidden, ValidationFailed
from services.permits import oss
from services.permits.errors import OssCallNotFound
from services.permits.models import Application, OssCall
from services.permits.settings import settings

MAX_ATTEMPTS = len(outbox.RETRY) + 1  # the first try and every retry of the queue's back-off
STAFF_OPD = "DPMPTSP"


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def _send_job() -> Any:
    from services.permits import jobs  # jobs call back into this module

    return jobs.send_oss_calls


def client() -> oss.OssClient:
    cfg = settings()
    return oss.OssClient(cfg.oss_base_url, cfg.oss_user_key, cfg.oss_timeout)


def _record(uow: UnitOfWork, app: Application, method: str, payload: dict[str, Any]) -> OssCall:
    session = _s(uow)
    seq = session.scalar(select(func.max(OssCall.seq)).where(OssCall.application_id == app.id)) or 0
    call = OssCall(application_id=app.id, seq=seq + 1, method=method, payload=payload, state="pending")
    session.add(call)
    session.flush()
    outbox.enqueue(uow, _send_job(), application_id=app.id)
    return call


def push_status(
    uow: UnitOfWork,
    app: Application,
    *,
    kd_status: str,
    keterangan: str,
    now: datetime,
    actor: Principal | None = None,
) -> OssCall | None:
    """receiveLicenseStatus for an application OSS knows (one with an id_izin); None otherwise."""
    if not app.id_izin or not app.nib:
        return None
    billing = None
    if kd_status in ("30", "31") and app.billing_code:
        billing = {
            "kd_billing": app.billing_code,
            "nominal": app.fee_amount or 0,
            "tgl_expire": oss.oss_time(app.step_due_at) if app.step_due_at else None,
        }
    payload = {
        "IZINSTATUS": {
            "nib": app.nib,
            "id_proyek": app.id_proyek,
            "oss_id": app.oss_id,
            "id_izin": app.id_izin,
            "kd_izin": app.kd_izin,
            "kd_instansi": settings().kd_instansi,
            "kd_status": kd_status,
            "tgl_status": oss.oss_time(now),
            "nip_status": actor.id if actor and actor.is_staff else None,
            "nama_status": oss.STATUS_NAMES.get(kd_status, kd_status),
            "keterangan": keterangan[:500],
            "file_lampiran": None,
            "data_pnbp": billing,
        }
    }
    return _record(uow, app, "receiveLicenseStatus", payload)


def push_licence(uow: UnitOfWork, app: Application, final: dict[str, Any]) -> OssCall | None:
    """receiveLicense (IZINFINAL) once the permit is issued."""
    if not app.id_izin or not app.nib:
        return None
    payload = {
        "IZINFINAL": {
            "nib": app.nib,
            "id_proyek": app.id_proyek,
            "oss_id": app.oss_id,
            "id_izin": app.id_izin,
            "kd_izin": app.kd_izin,
            "kd_instansi": settings().kd_instansi,
            **final,
        }
    }
    return _record(uow, app, "receiveLicense", payload)


def resend(uow: UnitOfWork, app: Application, call: OssCall) -> OssCall:
    """The same call once more, as a new call in line (the reconciliation found OSS behind us)."""
    return _record(uow, app, call.method, dict(call.payload))


# ---- the job: send an application's pending calls, in order ------------------------------------------


def send_pending(uow: UnitOfWork, *, application_id: str) -> dict[str, int]:
    """Send every pending call of one application in order. Stops at a refusal (later calls wait so OSS
    never sees statuses out of order) and raises OssUnavailable so the queue retries with back-off."""
    done = {"sent": 0, "refused": 0, "failed": 0}
    failure: oss.OssUnavailable | None = None
    with uow:
        session = _s(uow)
        lock = select(Application.id).where(Application.id == application_id)
        if uow.is_postgres:
            lock = lock.with_for_update()  # one sender per application at a time
        session.execute(lock)
        calls = list(
            session.scalars(
                select(OssCall)
                .where(OssCall.application_id == application_id, OssCall.state.in_(("pending", "refused")))
                .order_by(OssCall.seq)
                .execution_options(populate_existing=True)
            )
        )
        sender = client()
        for call in calls:
            if call.state == "refused":
                break  # waits for staff to fix and retry it
            call.attempts += 1
            try:
                call.response = sender.call(call.method, call.payload)
            except oss.OssRefused as exc:
                call.state, call.last_error, call.response = "refused", str(exc)[:2000], exc.response
                done["refused"] += 1
                break
            except oss.OssUnavailable as exc:
                call.last_error = str(exc)[:2000]
                if call.attempts >= MAX_ATTEMPTS:
                    call.state = "failed"
                    done["failed"] += 1
                else:
                    failure = exc
                break
            call.state, call.sent_at, call.last_error = "sent", utcnow(), None
            done["sent"] += 1
        uow.commit()
    if failure is not None:
        raise failure  # RQ Retry (or the in-process sweep) tries again later
    return done


# ---- staff: see refused/failed calls, fix and retry ---------------------------------------------------


def require_staff(principal: Principal) -> None:
    if principal.role == "admin" or (principal.role == "officer" and principal.opd == STAFF_OPD):
        return
    raise Forbidden("OSS traffic is for DPMPTSP officers and admins", reason="role_not_allowed")


def list_calls(
    uow: UnitOfWork, *, principal: Principal, state: str | None, limit: int, offset: int
) -> tuple[list[OssCall], int]:
    require_staff(principal)
    with uow:
        stmt = select(OssCall)
        if state:
            stmt = stmt.where(OssCall.state == state)
        total = _s(uow).scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = list(
            _s(uow).scalars(stmt.order_by(OssCall.created_at.desc(), OssCall.seq).limit(limit).offset(offset))
        )
        return rows, total


def retry_call(
    uow: UnitOfWork, *, principal: Principal, call_id: str, fields: dict[str, Any] | None
) -> OssCall:
    """Put a refused or failed call back in line, optionally with corrected fields, and send it again."""
    require_staff(principal)
    with uow:
        call = _s(uow).get(OssCall, call_id)
        if call is None:
            raise OssCallNotFound("OSS call not found")
        if call.state == "sent":
            raise ValidationFailed("This call was accepted by OSS already", reason="oss_call_already_sent")
        if fields:
            ((envelope, inner),) = call.payload.items()
            unknown = sorted(set(fields) - set(inner))
            if unknown:
                raise ValidationFailed(
                    "Only the call's own fields can be corrected",
                    reason="unknown_oss_field",
                    errors={"json": {"fields": {k: ["Not a field of this call"] for k in unknown}}},
                )
            call.payload = {envelope: {**inner, **fields}}
        call.state, call.attempts, call.last_error = "pending", 0, None
        outbox.enqueue(uow, _send_job(), application_id=call.application_id)
        uow.commit()
        return call

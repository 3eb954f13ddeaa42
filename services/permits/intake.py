"""OSS pushes to us (receiveNIB, receiveFileDS): authenticate, validate, take it whole or not at all.

Each push is answered in the PIA's shape and recorded in permits_oss_inbound whatever the outcome; a
refused push writes nothing else (its checks all run before the first write, and the writes share one
transaction). Idempotent on nib + id_izin: OSS retries, and a repeat never makes a second application.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.db import UnitOfWork, utcnow
from services.permits import catalogue, history, oss
from services.permits.models import Application, Business, OssInbound
from services.permits.settings import settings

# Checklist flags that ask the region to act (Y: requirements to fulfil, O: optional but requested).
ACTIONABLE_FLAGS = ("Y", "O")


@dataclass
class Outcome:
    """What we answer OSS: HTTP status, PIA body, and what happened (for tests and the log)."""

    http_status: int
    status: str
    keterangan: str
    reason: str | None = None
    application_ids: list[str] = field(default_factory=list)

    @property
    def body(self) -> dict[str, Any]:
        return oss.answer(self.status, self.keterangan)


class Refusal(Exception):
    def __init__(self, http_status: int, reason: str, keterangan: str) -> None:
        super().__init__(keterangan)
        self.http_status, self.reason, self.keterangan = http_status, reason, keterangan


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def _raw_nib(payload: Any, envelope: str) -> str:
    inner = payload.get(envelope) if isinstance(payload, dict) else None
    nib = inner.get("nib") if isinstance(inner, dict) else None
    return nib if isinstance(nib, str) else ""


def _authenticate(token: str | None, nib: str, now: datetime) -> None:
    cfg = settings()
    if not token_ok(token, nib, now, cfg.oss_username, cfg.oss_password):
        raise Refusal(401, "invalid_token", "Token tidak valid")


def token_ok(token: str | None, nib: str, now: datetime, username: str, password: str) -> bool:
    return oss.token_valid(token, username=username, password=password, nib=nib, now=now)


def _validation_refusal(errors: dict[str, Any]) -> Refusal:
    inner = errors.get("dataNIB") or errors.get("receiveFileDS") or {}
    flat = repr(errors)
    if isinstance(inner, dict) and "nib" in inner:
        return Refusal(400, "malformed_nib", "Format NIB tidak valid (13 digit)")
    if "kbli" in flat:
        return Refusal(400, "malformed_kbli", "Format KBLI tidak valid (5 digit)")
    fields = _paths(errors)
    return Refusal(400, "malformed_payload", f"Data tidak valid: {', '.join(fields[:5])}")


def _paths(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        out: list[str] = []
        for key, value in errors.items():
            out += _paths(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    return [prefix]


def _record(
    uow: UnitOfWork, *, endpoint: str, nib: str, outcome: Outcome, payload: Any, now: datetime
) -> None:
    _s(uow).add(
        OssInbound(
            endpoint=endpoint,
            nib=nib[:40] or None,
            outcome="refused"
            if outcome.status == "2"
            else ("accepted" if outcome.application_ids else "duplicate"),
            status=outcome.status,
            reason=outcome.reason,
            keterangan=outcome.keterangan[:500],
            applications=outcome.application_ids,
            payload=payload if isinstance(payload, dict) else {"_raw": str(payload)[:2000]},
            received_at=now,
        )
    )


def _refused(endpoint: str, nib: str, payload: Any, refusal: Refusal, now: datetime) -> Outcome:
    """Record a refusal in its own transaction (the push itself wrote nothing)."""
    outcome = Outcome(refusal.http_status, "2", refusal.keterangan, refusal.reason)
    with UnitOfWork() as uow:
        _record(uow, endpoint=endpoint, nib=nib, outcome=outcome, payload=payload, now=now)
        uow.commit()
    return outcome


# ---- receiveNIB --------------------------------------------------------------------------------------


def receive_nib(*, token: str | None, payload: Any, now: datetime | None = None) -> Outcome:
    """Take a dataNIB push: the business (updated if known) and one application per actionable
    checklist item not seen before; all or nothing."""
    now = now or utcnow()
    nib = _raw_nib(payload, "dataNIB")
    try:
        _authenticate(token, nib, now)
        try:
            data = oss.ReceiveNibSchema().load(payload if isinstance(payload, dict) else {})
        except ma.ValidationError as exc:
            raise _validation_refusal(exc.messages_dict) from None
        data_nib = data["dataNIB"]
        _check_checklist(data_nib)
    except Refusal as refusal:
        return _refused("receiveNIB", nib, payload, refusal, now)
    for attempt in range(2):
        try:
            return _take_nib(data_nib, payload, now)
        except IntegrityError:
            if attempt:  # a concurrent identical push won twice: answer as a duplicate
                raise
    raise AssertionError("unreachable")


def _check_checklist(data_nib: dict[str, Any]) -> None:
    ours = settings().kd_daerah
    for item in data_nib["data_checklist"]:
        if item["kd_daerah"] != ours:
            raise Refusal(
                422,
                "checklist_other_region",
                f"Checklist {item['id_izin']} untuk daerah {item['kd_daerah']}, bukan {ours}",
            )
        if item["kewenangan"] != "02":
            raise Refusal(
                422,
                "checklist_not_city_authority",
                f"Checklist {item['id_izin']} bukan kewenangan kabupaten/kota ({item['kewenangan']})",
            )
        if catalogue.by_kd_izin(item["kd_izin"]) is None:
            raise Refusal(422, "unknown_kd_izin", f"kd_izin {item['kd_izin']} tidak dikenal")
    projects = {p["id_proyek"] for p in data_nib["data_proyek"]}
    for item in data_nib["data_checklist"]:
        if item.get("id_proyek") and item["id_proyek"] not in projects:
            raise Refusal(400, "unknown_project", f"id_proyek {item['id_proyek']} tidak ada di data_proyek")


def _date(text: str | None) -> date | None:
    return datetime.strptime(text, oss.DATE_FORMAT).date() if text else None


def upsert_business(uow: UnitOfWork, data_nib: dict[str, Any]) -> Business:
    """Our copy of a business from a dataNIB (a push, or OSS's answer to inqueryNIB)."""
    session = _s(uow)
    business = session.scalar(select(Business).where(Business.nib == data_nib["nib"]))
    if business is None:
        business = Business(nib=data_nib["nib"])
        session.add(business)
    responsible = next(
        (
            p["no_identitas_penanggung_jwb"]
            for p in data_nib["penanggung_jwb"]
            if p.get("no_identitas_penanggung_jwb")
        ),
        None,
    )
    business.oss_id = data_nib["oss_id"]
    business.npwp = data_nib.get("npwp_perseroan")
    business.name = data_nib["nama_perseroan"]
    business.address = data_nib.get("alamat")
    business.kd_daerah = data_nib["kd_daerah"]
    business.kewenangan = data_nib["kewenangan"]
    business.skala_usaha = data_nib["skala_usaha"]
    business.status_nib = data_nib.get("status_nib")
    business.tgl_terbit_nib = _date(data_nib.get("tgl_terbit_nib"))
    business.responsible_nik = responsible or business.responsible_nik
    business.projects = [dict(p) for p in data_nib["data_proyek"]]
    session.flush()
    return business


def registration_number(now: datetime) -> str:
    """REG-YYMMDD- and six random characters: readable over the phone, random so it reveals no volumes."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"REG-{now.astimezone(oss.JAKARTA):%y%m%d}-{tail}"


def _take_nib(data_nib: dict[str, Any], payload: Any, now: datetime) -> Outcome:
    with UnitOfWork() as uow:
        session = _s(uow)
        business = upsert_business(uow, data_nib)
        items = [i for i in data_nib["data_checklist"] if i["flag_checklist"] in ACTIONABLE_FLAGS]
        known = set(
            session.scalars(
                select(Application.id_izin).where(
                    Application.nib == business.nib, Application.id_izin.in_([i["id_izin"] for i in items])
                )
            )
        )
        kbli = {p["id_proyek"]: p["kbli"] for p in data_nib["data_proyek"]}
        created = []
        for item in items:
            if item["id_izin"] in known:
                continue
            permit_type = catalogue.by_kd_izin(item["kd_izin"])
            assert permit_type is not None  # checked before any write
            project = item.get("id_proyek") or next(iter(kbli), None)
            app = Application(
                number=registration_number(now),
                permit_type=permit_type.code,
                channel="oss",
                business_id=business.id,
                nib=business.nib,
                business_name=business.name,
                id_izin=item["id_izin"],
                id_proyek=project,
                oss_id=data_nib["oss_id"],
                kd_izin=item["kd_izin"],
                kbli=kbli.get(project or ""),
                applicant_resident_id=business.owner_resident_id,
                filed_by_id="oss",
                filed_by_role="oss",
                data={},
                state="awaiting_requirements",
                step=None,
                version=0,
                created_at=now,
                updated_at=now,
            )
            session.add(app)
            session.flush()
            history.step(
                uow,
                app,
                action="received_from_oss",
                now=now,
                actor="oss",
                kd_status="09",
                note=f"Checklist {permit_type.name} diterima dari OSS; menunggu pemenuhan persyaratan",
            )
            created.append(app.id)
        if created:
            outcome = Outcome(
                200, "1", f"Data NIB diterima; {len(created)} permohonan izin dibuat", None, created
            )
        else:
            outcome = Outcome(
                200, "1", "Data NIB sudah diterima sebelumnya (duplikat); tidak ada perubahan", "duplicate"
            )
        _record(uow, endpoint="receiveNIB", nib=business.nib, outcome=outcome, payload=payload, now=now)
        uow.commit()
        return outcome


# ---- receiveFileDS -----------------------------------------------------------------------------------


def receive_file_ds(*, token: str | None, payload: Any, now: datetime | None = None) -> Outcome:
    """OSS's signed file for a checklist item (id_izin): kept on the application, once."""
    now = now or utcnow()
    nib = _raw_nib(payload, "receiveFileDS")
    try:
        _authenticate(token, nib, now)
        try:
            data = oss.ReceiveFileDsSchema().load(payload if isinstance(payload, dict) else {})
        except ma.ValidationError as exc:
            raise _validation_refusal(exc.messages_dict) from None
        item = data["receiveFileDS"]
        with UnitOfWork() as uow:
            app = _s(uow).scalar(
                select(Application).where(
                    Application.nib == item["nib"], Application.id_izin == item["id_izin"]
                )
            )
            if app is None:
                raise Refusal(
                    404, "unknown_id_izin", f"id_izin {item['id_izin']} tidak dikenal untuk NIB ini"
                )
            if app.oss_file_url == item["file_izin"]:
                outcome = Outcome(200, "1", "File sudah diterima sebelumnya (duplikat)", "duplicate")
            else:
                app.oss_file_url = item["file_izin"]
                history.step(
                    uow, app, action="file_from_oss", now=now, actor="oss", note="File izin dari OSS diterima"
                )
                outcome = Outcome(200, "1", "File izin diterima", None, [app.id])
            _record(uow, endpoint="receiveFileDS", nib=item["nib"], outcome=outcome, payload=payload, now=now)
            uow.commit()
            return outcome
    except Refusal as refusal:
        return _refused("receiveFileDS", nib, payload, refusal, now)

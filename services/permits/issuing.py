"""The permit: numbered by the configured template, a signed PDF with a QR code (gateway.documents),
validity dates, receiveLicense to OSS with a link to the PDF; warnings, suspension and revocation
(60/70/80) shown on the public verification page."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import documents
from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.errors import NotFound
from gateway.kernel import clock, counters
from services.permits import history, outbound
from services.permits.models import Application, Business, Permit
from services.permits.settings import settings
from services.permits.workflow import type_of

AUTHORITY = "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU"
FIKTIF_TEXT = (
    "Izin ini terbit karena permohonan tidak diputus sampai batas waktu layanan "
    "(fiktif positif, status OSS 57)"
)
SANCTIONS = {"60": ("warning", "Peringatan"), "70": ("suspended", "Dibekukan"), "80": ("revoked", "Dicabut")}
_FILE_SALT = "permits.file_izin"


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def permit_number(uow: UnitOfWork, permit_type: str, at: datetime) -> str:
    """The next number of this type and year, filled into PERMIT_NUMBER_TEMPLATE."""
    local = clock.local(at)
    serial = counters.next_value(uow, "permits", f"{permit_type}:{local.year}")
    return settings().number_template.format(
        type=permit_type,
        serial=serial,
        year=local.year,
        month=f"{local.month:02d}",
        kabkota=settings().kd_daerah,
    )


def add_years(start: date, years: int) -> date:
    """The same day `years` later (28 February for a 29 February start in a common year)."""
    year = start.year + years
    return start.replace(year=year, day=min(start.day, calendar.monthrange(year, start.month)[1]))


def file_token(permit: Permit) -> str:
    return Signer(current_app.config["SECRET_KEY"], salt=_FILE_SALT).sign(permit.id.encode()).decode()


def permit_id_from_file_token(token: str) -> str:
    try:
        return Signer(current_app.config["SECRET_KEY"], salt=_FILE_SALT).unsign(token.encode()).decode()
    except (BadSignature, UnicodeEncodeError):
        raise NotFound("No such permit file", reason="permit_not_found") from None


def file_url(permit: Permit) -> str:
    """The link OSS gets as file_izin: the signed PDF, public to whoever holds the signed token."""
    return f"{settings().public_base_url}/api/v1/permits/files/{file_token(permit)}"


def _printed_fields(app: Application, permit: Permit, fiktif: bool) -> list[tuple[str, str]]:
    permit_type = type_of(app)
    rows = [
        ("Nomor izin", permit.number),
        ("Jenis izin", permit_type.name),
        ("Nama usaha", app.business_name),
        ("NIB", app.nib or "-"),
        ("KBLI", app.kbli or "-"),
    ]
    for name, spec in permit_type.fields.items():
        if name in (app.data or {}):
            rows.append((spec.get("label", name), str(app.data[name])))
    rows.append(("Berlaku sejak", permit.valid_from.isoformat()))
    rows.append(
        ("Berlaku sampai", permit.valid_until.isoformat() if permit.valid_until else "Selama berfungsi")
    )
    if app.fee_amount:
        rows.append(("Retribusi", f"Rp{app.fee_amount:,}".replace(",", ".")))
    if fiktif:
        rows.append(("Catatan", FIKTIF_TEXT))
    rows.append(("Ditandatangani", f"{permit.signer_name} ({permit.signer_title}), NIP {permit.signer_nip}"))
    return rows


def public_view(permit: Permit, type_name: str) -> dict[str, Any]:
    """What the QR code's verification page shows: no personal data."""
    label = (
        SANCTIONS.get(_kd_of(permit.status), (None, "Berlaku"))[1] if permit.status != "active" else "Berlaku"
    )
    return {
        "jenis_izin": type_name,
        "nama_usaha": permit.business_name,
        "berlaku_sampai": permit.valid_until.isoformat() if permit.valid_until else "tanpa batas",
        "status_izin": label + (f": {permit.status_note}" if permit.status_note else ""),
        **({"fiktif_positif": "ya (status OSS 57)"} if permit.fiktif_positif else {}),
    }


def _kd_of(status: str) -> str:
    return next((kd for kd, (name, _) in SANCTIONS.items() if name == status), "")


def issue(
    uow: UnitOfWork,
    app: Application,
    *,
    now: datetime,
    actor: Principal | str,
    fiktif_positif: bool,
    note: str | None,
) -> Permit:
    """Number, permit row, signed document, history 49 + 50/57, and receiveLicense to OSS."""
    permit_type = type_of(app)
    cfg = settings()
    number = permit_number(uow, permit_type.code, now)
    valid_from = clock.local_today(now)
    permit = Permit(
        application_id=app.id,
        number=number,
        permit_type=permit_type.code,
        nib=app.nib,
        business_name=app.business_name,
        status="active",
        fiktif_positif=fiktif_positif,
        issued_at=now,
        valid_from=valid_from,
        valid_until=add_years(valid_from, permit_type.validity_years) if permit_type.validity_years else None,
        signer_name=cfg.signer_name,
        signer_nip=cfg.signer_nip,
        signer_title=cfg.signer_title,
        created_at=now,
    )
    _s(uow).add(permit)
    _s(uow).flush()
    document = documents.issue(
        uow,
        kind="permit",
        number=number,
        title=permit_type.name.upper(),
        fields=_printed_fields(app, permit, fiktif_positif),
        public=public_view(permit, permit_type.name),
        owner_resident_ids=[app.applicant_resident_id] if app.applicant_resident_id else [],
        issued_at=now,
        authority=AUTHORITY,
    )
    permit.document_id = document.id
    history.step(
        uow, app, action="number_taken", now=now, actor=actor, kd_status="49", note=f"Nomor izin {number}"
    )
    kd = "57" if fiktif_positif else "50"
    history.step(
        uow,
        app,
        action="fiktif_positif" if fiktif_positif else "approved",
        now=now,
        actor=actor,
        to_state="issued",
        kd_status=kd,
        note=FIKTIF_TEXT if fiktif_positif else (note or "Izin disetujui dan diterbitkan"),
    )
    outbound.push_licence(uow, app, final_of(permit, app, kd))
    return permit


def final_of(permit: Permit, app: Application, status_izin: str) -> dict[str, Any]:
    return {
        "nomor_izin": permit.number,
        "tgl_terbit_izin": clock.local(permit.issued_at).date().isoformat(),
        "tgl_berlaku_izin": permit.valid_until.isoformat() if permit.valid_until else None,
        "nama_ttd": permit.signer_name,
        "nip_ttd": permit.signer_nip,
        "jabatan_ttd": permit.signer_title,
        "status_izin": status_izin,
        "file_izin": file_url(permit),
        "keterangan": FIKTIF_TEXT if permit.fiktif_positif else "Izin diterbitkan",
        "data_teknis": dict(app.data or {}),
    }


def sanction(
    uow: UnitOfWork,
    permit: Permit,
    app: Application,
    *,
    kd_status: str,
    note: str,
    actor: Principal,
    now: datetime,
) -> None:
    """60 warning, 70 suspension, 80 revocation: the permit's status, the verification page, OSS."""
    status, label = SANCTIONS[kd_status]
    permit.status, permit.status_note = status, note[:500]
    document = documents.get(uow, permit.document_id) if permit.document_id else None
    if document is not None:
        document.public = public_view(permit, type_of(app).name)
        if status == "revoked":
            documents.revoke(uow, document_id=document.id, reason=f"{label}: {note}")
    history.step(uow, app, action=f"permit_{status}", now=now, actor=actor, kd_status=kd_status, note=note)


def owned_business_nibs(uow: UnitOfWork, resident_id: str) -> list[str]:
    return list(_s(uow).scalars(select(Business.nib).where(Business.owner_resident_id == resident_id)))

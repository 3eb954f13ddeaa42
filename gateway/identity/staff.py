"""Staff accounts, OPDs and machine clients: created by the CLI and the admin API alike."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.errors import Conflict, NotFound, ValidationFailed
from gateway.identity.models import Facility, MachineClient, Opd, Staff
from gateway.identity.passwords import hash_password

# The city's agencies (OPD) that complaints, permits and parking route to.
OPDS: tuple[tuple[str, str, str], ...] = (
    ("SETDA", "Sekretariat Daerah Kota Pematangsiantar", "sekretariat"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "dinas"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "dinas"),
    ("DINAS_PUTR", "Dinas Pekerjaan Umum dan Tata Ruang", "dinas"),
    ("DPRKP", "Dinas Perumahan Rakyat dan Kawasan Permukiman", "dinas"),
    ("DLH", "Dinas Lingkungan Hidup", "dinas"),
    ("DISHUB", "Dinas Perhubungan", "dinas"),
    ("DINKES", "Dinas Kesehatan", "dinas"),
    ("DINSOS", "Dinas Sosial", "dinas"),
    ("DISDIK", "Dinas Pendidikan", "dinas"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "dinas"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan", "dinas"),
    ("SATPOL_PP", "Satuan Polisi Pamong Praja", "badan"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "badan"),
    ("DAMKAR", "Dinas Pemadam Kebakaran", "dinas"),
    ("BAPENDA", "Badan Pendapatan Daerah", "badan"),
    ("PDAM_TIRTAULI", "Perumda Air Minum Tirtauli", "bumd"),
    ("RSUD_DJASAMEN", "RSUD dr. Djasamen Saragih", "badan"),
    ("KEC_SIANTAR_TIMUR", "Kecamatan Siantar Timur", "kecamatan"),
    ("KEC_SIANTAR_BARAT", "Kecamatan Siantar Barat", "kecamatan"),
    ("KEC_SIANTAR_UTARA", "Kecamatan Siantar Utara", "kecamatan"),
    ("KEC_SIANTAR_SELATAN", "Kecamatan Siantar Selatan", "kecamatan"),
    ("KEC_SIANTAR_MARIHAT", "Kecamatan Siantar Marihat", "kecamatan"),
    ("KEC_SIANTAR_MARTOBA", "Kecamatan Siantar Martoba", "kecamatan"),
    ("KEC_SIANTAR_SITALASARI", "Kecamatan Siantar Sitalasari", "kecamatan"),
    ("KEC_SIANTAR_MARIMBUN", "Kecamatan Siantar Marimbun", "kecamatan"),
)
KECAMATAN_OPD = {f"1272{i:02d}": code for i, (code, _, _) in enumerate(OPDS[18:], start=1)}

FACILITIES: tuple[tuple[str, str], ...] = (
    ("1272011", "RSUD dr. Djasamen Saragih"),
    ("1272022", "RS Vita Insani"),
    ("1272033", "RS Horas Insani"),
    ("1272044", "Puskesmas Kesatria"),
)


def seed_reference(uow: UnitOfWork) -> None:
    """Insert the OPDs and facilities that do not exist yet (safe to run again)."""
    assert uow.session is not None
    have = set(uow.session.scalars(select(Opd.code)))
    for code, name, kind in OPDS:
        if code not in have:
            kec = next((k for k, v in KECAMATAN_OPD.items() if v == code), None)
            uow.session.add(Opd(code=code, name=name, kind=kind, kecamatan_code=kec))
    have_fac = set(uow.session.scalars(select(Facility.code)))
    for code, name in FACILITIES:
        if code not in have_fac:
            uow.session.add(Facility(code=code, name=name))


def create_staff(
    uow: UnitOfWork,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    opd_code: str | None = None,
    position: str | None = None,
    zones: list[str] | None = None,
) -> Staff:
    opd_code, position = opd_code or None, position or None  # "" means none, not an OPD named ""
    with uow:
        assert uow.session is not None
        if role == "officer" and not opd_code:
            raise ValidationFailed(
                "An officer must belong to an OPD",
                reason="opd_required",
                errors={"json": {"opd_code": ["required for officers"]}},
            )
        if opd_code and uow.session.get(Opd, opd_code) is None:
            raise ValidationFailed(
                "Unknown OPD", reason="unknown_opd", errors={"json": {"opd_code": ["unknown"]}}
            )
        if uow.session.scalar(select(Staff.id).where(Staff.username == username)):
            raise Conflict("Username taken", reason="username_taken")
        staff = Staff(
            username=username,
            full_name=full_name,
            role=role,
            opd_code=opd_code,
            position=position,
            zones=list(zones or []),
            password_hash=hash_password(password),
        )
        uow.session.add(staff)
        uow.session.flush()
        uow.commit()
        return staff


def update_staff(uow: UnitOfWork, *, staff_id: str, changes: dict[str, Any]) -> Staff:
    with uow:
        assert uow.session is not None
        staff = uow.session.get(Staff, staff_id)
        if staff is None:
            raise NotFound("Staff not found", reason="staff_not_found")
        if (
            "opd_code" in changes
            and changes["opd_code"]
            and uow.session.get(Opd, changes["opd_code"]) is None
        ):
            raise ValidationFailed(
                "Unknown OPD", reason="unknown_opd", errors={"json": {"opd_code": ["unknown"]}}
            )
        for key, value in changes.items():
            setattr(staff, key, None if key in ("opd_code", "position") and value == "" else value)
        if staff.role == "officer" and not staff.opd_code:
            raise ValidationFailed("An officer must belong to an OPD", reason="opd_required")
        if changes.get("active") is False:
            from gateway.identity.service import _revoke_subject, cut_off_tokens

            _revoke_subject(uow, "staff", staff.id)
            cut_off_tokens(uow, "staff", staff.id)
        uow.commit()
        return staff


def create_client(
    uow: UnitOfWork,
    *,
    name: str,
    scopes: list[str],
    facility_code: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> tuple[MachineClient, str]:
    """Returns the client and its secret; the secret is stored hashed and shown only once."""
    with uow:
        assert uow.session is not None
        if facility_code and uow.session.get(Facility, facility_code) is None:
            uow.session.add(Facility(code=facility_code, name=name))
        secret = client_secret or secrets.token_urlsafe(32)
        client = MachineClient(
            client_id=client_id or f"cl_{secrets.token_hex(10)}",
            name=name,
            scopes=" ".join(sorted(set(scopes))),
            facility_code=facility_code,
            secret_hash=hash_password(secret),
        )
        uow.session.add(client)
        uow.session.flush()
        uow.commit()
        return client, secret


def list_staff(uow: UnitOfWork, *, principal: Principal, role: str | None = None) -> list[Staff]:
    with uow:
        assert uow.session is not None
        stmt = select(Staff).order_by(Staff.username)
        if role:
            stmt = stmt.where(Staff.role == role)
        return list(uow.session.scalars(stmt))


def list_opds(uow: UnitOfWork) -> list[Opd]:
    with uow:
        assert uow.session is not None
        return list(uow.session.scalars(select(Opd).order_by(Opd.code)))

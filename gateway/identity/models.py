"""Identity tables: residents (the registry), accounts, staff, OPDs, machine clients, refresh tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, id_column, utcnow


class Resident(Base):
    """A person in the population registry (SIAK), keyed by NIK."""

    __tablename__ = "identity_resident"

    id: Mapped[str] = id_column()
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    kk_number: Mapped[str] = mapped_column(String(16), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))  # L / P
    birth_place: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column(Date)
    family_relationship: Mapped[str] = mapped_column(String(40))
    marital_status: Mapped[str] = mapped_column(String(30))
    religion: Mapped[str | None] = mapped_column(String(30))
    occupation: Mapped[str | None] = mapped_column(String(80))
    education: Mapped[str | None] = mapped_column(String(80))
    # The rest of a KK line: status table of the real card (citizenship WNI/WNA, documents of a WNA).
    blood_type: Mapped[str | None] = mapped_column(String(10))
    marriage_date: Mapped[date | None] = mapped_column(Date)
    citizenship: Mapped[str] = mapped_column(String(3), default="WNI")
    passport_number: Mapped[str | None] = mapped_column(String(20))
    kitas_number: Mapped[str | None] = mapped_column(String(20))
    father_name: Mapped[str | None] = mapped_column(String(120))
    mother_name: Mapped[str | None] = mapped_column(String(120))
    # Twins share a birth date: their order of birth orders them on the KK (1 for a single birth).
    birth_order: Mapped[int] = mapped_column(Integer, default=1)
    kelurahan_code: Mapped[str] = mapped_column(String(13), index=True)
    address: Mapped[str] = mapped_column(String(200))
    rt: Mapped[str] = mapped_column(String(3))
    rw: Mapped[str] = mapped_column(String(3))
    mother_nik: Mapped[str | None] = mapped_column(String(16), index=True)  # children of a parent
    father_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    is_deceased: Mapped[bool] = mapped_column(Boolean, default=False)
    deceased_at: Mapped[date | None] = mapped_column(Date)
    moved_out_at: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    account: Mapped[CitizenAccount | None] = relationship(back_populates="resident", uselist=False)

    @property
    def is_active(self) -> bool:
        return not self.is_deceased and self.moved_out_at is None


class CitizenAccount(Base):
    """A citizen's login: one per NIK, phone verified by OTP."""

    __tablename__ = "identity_citizen_account"

    id: Mapped[str] = id_column()
    resident_id: Mapped[str] = mapped_column(ForeignKey("identity_resident.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | closed
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resident: Mapped[Resident] = relationship(back_populates="account")


class OtpChallenge(Base):
    """A pending sign-up or password reset; the OTP is stored hashed and expires."""

    __tablename__ = "identity_otp_challenge"

    id: Mapped[str] = id_column()
    purpose: Mapped[str] = mapped_column(String(16))  # signup | reset
    # None for a password-reset decoy (no such account): answered like a real one, its code never sent.
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("identity_resident.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    otp_hash: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Opd(Base):
    """A city agency (organisasi perangkat daerah)."""

    __tablename__ = "identity_opd"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))  # dinas | badan | kecamatan | bumd | sekretariat
    kecamatan_code: Mapped[str | None] = mapped_column(String(8))


class Staff(Base):
    """A city employee's account: admin, OPD officer, counter staff or parking attendant."""

    __tablename__ = "identity_staff"

    id: Mapped[str] = id_column()
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(12))
    opd_code: Mapped[str | None] = mapped_column(ForeignKey("identity_opd.code"))
    # Staff may hold a function within their OPD (head, city secretary) that escalations address.
    position: Mapped[str | None] = mapped_column(String(40))
    zones: Mapped[list] = mapped_column(default=list)
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MachineClient(Base):
    """A system that calls us (a hospital, a counter terminal) with OAuth2 client credentials."""

    __tablename__ = "identity_client"

    id: Mapped[str] = id_column()
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(160))
    scopes: Mapped[str] = mapped_column(Text, default="")
    facility_code: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(" ") if s]


class RefreshToken(Base):
    """Opaque refresh tokens, stored hashed; one family per login, rotated on every use."""

    __tablename__ = "identity_refresh_token"
    __table_args__ = (Index("ix_identity_refresh_token_family", "family_id"),)

    id: Mapped[str] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(36))
    subject_kind: Mapped[str] = mapped_column(String(10))  # citizen | staff
    subject_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RevokedAccessToken(Base):
    """Access-token ids revoked at logout, shared by every API process until they expire."""

    __tablename__ = "identity_revoked_jti"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()


class TokenCutoff(Base):
    """A subject's access tokens issued at or before `cutoff_at` (epoch seconds) no longer work: its
    account was closed (death), its staff account disabled, or its password reset."""

    __tablename__ = "identity_token_cutoff"

    subject_kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cutoff_at: Mapped[float] = mapped_column(Float)


class Facility(Base):
    """A health facility that reports births and deaths (hospital, puskesmas, clinic)."""

    __tablename__ = "identity_facility"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kelurahan_code: Mapped[str | None] = mapped_column(String(13))

"""Birth reports and registrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow

BIRTH_STATES = ("notified", "needs_review", "registered", "issued", "rejected")


class Birth(Base):
    """A birth reported by a hospital, from notification to the issued akta, KIA and KK."""

    __tablename__ = "adminduk_birth"
    __table_args__ = (
        Index("ix_adminduk_birth_state_created", "state", "created_at"),
        Index("ix_adminduk_birth_mother_date", "mother_nik", "birth_date"),
    )

    id: Mapped[str] = id_column()
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="notified")
    source: Mapped[str] = mapped_column(String(8))  # json | fhir
    facility_code: Mapped[str] = mapped_column(String(40), index=True)
    reported_by: Mapped[str] = mapped_column(String(64))  # the machine client id
    hospital_reference: Mapped[str] = mapped_column(String(64))
    child_name: Mapped[str | None] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)  # in Asia/Jakarta
    born_at: Mapped[datetime | None] = mapped_column()
    birth_place: Mapped[str] = mapped_column(String(80))
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    length_cm: Mapped[float | None] = mapped_column(Float)
    multiple_birth_order: Mapped[int] = mapped_column(Integer, default=1)
    attendant: Mapped[str | None] = mapped_column(String(120))
    mother_nik: Mapped[str] = mapped_column(String(16))
    mother_resident_id: Mapped[str] = mapped_column(String(36), index=True)
    father_nik: Mapped[str | None] = mapped_column(String(16))
    father_resident_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # "<mother nik>:<date>:<order>" while the report stands; cleared on rejection so a corrected
    # report can follow. The unique index is what turns a concurrent duplicate into a 409.
    dedupe_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    review_reasons: Mapped[list] = mapped_column(default=list)
    parents_married: Mapped[bool | None] = mapped_column()
    child_ordinal: Mapped[int | None] = mapped_column(Integer)
    child_resident_id: Mapped[str | None] = mapped_column(String(36), index=True)
    child_nik: Mapped[str | None] = mapped_column(String(16))
    akta_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    document_ids: Mapped[list] = mapped_column(default=list)  # every version issued for this record
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

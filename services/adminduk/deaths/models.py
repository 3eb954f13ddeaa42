"""Death reports and registrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow

DEATH_STATES = ("notified", "needs_review", "registered", "issued", "rejected")


class Death(Base):
    """A death reported by a hospital or by a family member (the latter reviewed by an officer)."""

    __tablename__ = "adminduk_death"
    __table_args__ = (Index("ix_adminduk_death_state_created", "state", "created_at"),)

    id: Mapped[str] = id_column()
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="notified")
    source: Mapped[str] = mapped_column(String(8))  # facility | family
    facility_code: Mapped[str | None] = mapped_column(String(40), index=True)
    reported_by: Mapped[str] = mapped_column(String(64))  # client id or reporting resident id
    reporter_resident_id: Mapped[str | None] = mapped_column(String(36), index=True)
    hospital_reference: Mapped[str | None] = mapped_column(String(64))
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    nik: Mapped[str] = mapped_column(String(16))
    died_at: Mapped[datetime] = mapped_column()
    death_date: Mapped[date] = mapped_column(Date)  # in Asia/Jakarta
    place: Mapped[str] = mapped_column(String(120))
    cause: Mapped[str | None] = mapped_column(String(200))
    kk_number: Mapped[str | None] = mapped_column(String(16))
    dedupe_key: Mapped[str | None] = mapped_column(String(40), unique=True)  # the resident while it stands
    review_reasons: Mapped[list] = mapped_column(default=list)
    akta_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    document_ids: Mapped[list] = mapped_column(default=list)  # every version issued for this record
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

"""Correction requests on an akta kelahiran."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow

CORRECTION_STATES = ("submitted", "approved", "rejected")


class Correction(Base):
    """A citizen's request to correct the name or birth date on an akta, with a supporting document."""

    __tablename__ = "adminduk_correction"
    __table_args__ = (Index("ix_adminduk_correction_state_created", "state", "created_at"),)

    id: Mapped[str] = id_column()
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    requested_by_resident_id: Mapped[str] = mapped_column(String(36), index=True)
    resident_id: Mapped[str] = mapped_column(String(36), index=True)  # whose record is corrected
    birth_id: Mapped[str] = mapped_column(String(36), index=True)
    document_id: Mapped[str] = mapped_column(String(36))
    current_name: Mapped[str] = mapped_column(String(120))
    current_birth_date: Mapped[date] = mapped_column(Date)
    corrected_name: Mapped[str | None] = mapped_column(String(120))
    corrected_birth_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    attachment: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    attachment_content_type: Mapped[str] = mapped_column(String(40))
    attachment_size: Mapped[int] = mapped_column(Integer)
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()

"""The transition history births, deaths and corrections share (one table)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow


class Transition(Base):
    """Every state change of a birth, death or correction: who, when, why."""

    __tablename__ = "adminduk_transition"
    __table_args__ = (Index("ix_adminduk_transition_subject", "subject_kind", "subject_id", "at"),)

    id: Mapped[str] = id_column()
    subject_kind: Mapped[str] = mapped_column(String(12))  # birth | death | correction
    subject_id: Mapped[str] = mapped_column(String(36))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))  # role:opd / role:facility / system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

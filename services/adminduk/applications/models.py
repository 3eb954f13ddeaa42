"""Tables of applications filed online (KK changes, reprints, moving out): the file, its uploads, its events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow

KINDS = ("kk_change", "reprint", "move_out")
KK_CHANGES = ("address", "occupation", "education", "marital_status")
REPRINTS = ("akta_kelahiran", "kk", "kia")
STATES = ("submitted", "in_review", "needs_correction", "approved", "rejected", "cancelled")
OPEN_STATES = ("submitted", "in_review", "needs_correction")
# The officer's clock runs while the file is with Disdukcapil, not while it waits for the citizen.
WITH_OFFICE = ("submitted", "in_review")


class Application(Base):
    """A citizen's application (or one filed for them at the counter) and where it stands."""

    __tablename__ = "adminduk_application"
    __table_args__ = (
        Index("ix_adminduk_application_state_submitted", "state", "submitted_at"),
        Index("ix_adminduk_application_applicant", "applicant_resident_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # kk_change | reprint | move_out
    sub_kind: Mapped[str | None] = mapped_column(String(20))  # the change, or the document reprinted
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    # Bumped on every change; the ETag is derived from it (If-Match on transitions is optional).
    version: Mapped[int] = mapped_column(Integer, default=1)
    applicant_resident_id: Mapped[str] = mapped_column(String(36))
    subject_resident_id: Mapped[str] = mapped_column(String(36), index=True)  # whose record changes
    kk_number: Mapped[str] = mapped_column(String(16), index=True)
    # What is asked for, as validated: new address, occupation, document, destination, movers …
    details: Mapped[dict] = mapped_column(default=dict)
    citizen_note: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(8))  # app | counter
    filed_by: Mapped[str] = mapped_column(String(80))  # principal label (counter:DISDUKCAPIL …)
    filed_by_id: Mapped[str] = mapped_column(String(64))
    # "<kind>:<sub_kind>:<subject or KK>" while open: one open application per thing (a unique index).
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    sla_workdays: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)  # last (re)submission: the clock's start
    due_at: Mapped[datetime] = mapped_column()
    assigned_officer_id: Mapped[str | None] = mapped_column(String(64))
    correction_note: Mapped[str | None] = mapped_column(String(1000))
    resubmissions: Mapped[int] = mapped_column(Integer, default=0)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column()
    document_ids: Mapped[list] = mapped_column(default=list)  # documents issued on approval
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApplicationAttachment(Base):
    """An uploaded supporting document; a resubmission supersedes the earlier file of the same kind."""

    __tablename__ = "adminduk_application_attachment"
    __table_args__ = (Index("ix_adminduk_application_attachment_app", "application_id", "uploaded_at"),)

    id: Mapped[str] = id_column()
    application_id: Mapped[str] = mapped_column(ForeignKey("adminduk_application.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # police_loss_report | marriage_certificate | …
    filename: Mapped[str | None] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column()


class ApplicationEvent(Base):
    """Every step of an application: who, when, from which state to which, and the note."""

    __tablename__ = "adminduk_application_event"
    __table_args__ = (Index("ix_adminduk_application_event_app", "application_id", "at"),)

    id: Mapped[str] = id_column()
    application_id: Mapped[str] = mapped_column(ForeignKey("adminduk_application.id", ondelete="CASCADE"))
    # submitted | review_started | note | correction_requested | resubmitted | approved | rejected | cancelled
    kind: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))  # role:opd, "citizen", counter:…
    actor_id: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    visible_to_citizen: Mapped[bool] = mapped_column(default=True)  # officers' internal notes are not
    at: Mapped[datetime] = mapped_column(default=utcnow)

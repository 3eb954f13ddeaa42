"""Permit tables: businesses (NIBs from OSS), applications and their history and uploads, the permits
issued, and the OSS traffic both ways (every inbound push and every outbound call is a row)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow


class Business(Base):
    """A business as OSS registered it (one NIB); a citizen links herself to it as its owner."""

    __tablename__ = "permits_business"

    id: Mapped[str] = id_column()
    nib: Mapped[str] = mapped_column(String(13), unique=True)
    oss_id: Mapped[str | None] = mapped_column(String(64))
    npwp: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    kd_daerah: Mapped[str | None] = mapped_column(String(10))
    kewenangan: Mapped[str | None] = mapped_column(String(2))
    skala_usaha: Mapped[str | None] = mapped_column(String(2))
    status_nib: Mapped[str | None] = mapped_column(String(10))
    tgl_terbit_nib: Mapped[date | None] = mapped_column(Date)
    # NIK of the person OSS names as responsible (penanggung jawab): how an owner proves the link.
    responsible_nik: Mapped[str | None] = mapped_column(String(16))
    owner_resident_id: Mapped[str | None] = mapped_column(String(36), index=True)
    projects: Mapped[list] = mapped_column(default=list)  # data_proyek as OSS sent it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Application(Base):
    """One permit application: from an OSS checklist item, the owner's app, or the counter."""

    __tablename__ = "permits_application"
    __table_args__ = (
        UniqueConstraint("nib", "id_izin", name="uq_permits_application_nib_izin"),
        Index("ix_permits_application_queue", "current_opd", "state", "step_due_at"),
        Index("ix_permits_application_applicant", "applicant_resident_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    number: Mapped[str] = mapped_column(String(32), unique=True)  # registration number, shown to people
    permit_type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(8))  # oss | app | counter
    business_id: Mapped[str | None] = mapped_column(ForeignKey("permits_business.id"), index=True)
    nib: Mapped[str | None] = mapped_column(String(13), index=True)
    business_name: Mapped[str] = mapped_column(String(300))
    # OSS identifiers of the checklist item (null for applications OSS does not know)
    id_izin: Mapped[str | None] = mapped_column(String(64))
    id_proyek: Mapped[str | None] = mapped_column(String(64))
    oss_id: Mapped[str | None] = mapped_column(String(64))
    kd_izin: Mapped[str | None] = mapped_column(String(20))
    kbli: Mapped[str | None] = mapped_column(String(5))
    applicant_resident_id: Mapped[str | None] = mapped_column(String(36))
    filed_by_id: Mapped[str] = mapped_column(String(64))
    filed_by_role: Mapped[str] = mapped_column(String(12))
    data: Mapped[dict] = mapped_column(default=dict)  # the type's fields (floor area, class …)
    state: Mapped[str] = mapped_column(String(24), index=True)
    step: Mapped[str | None] = mapped_column(String(20))
    current_opd: Mapped[str | None] = mapped_column(String(40))
    review_round: Mapped[int] = mapped_column(Integer, default=0)
    kd_status: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, default=1)
    fee_amount: Mapped[int | None] = mapped_column(Integer)
    invoice_id: Mapped[str | None] = mapped_column(String(36), index=True)
    billing_code: Mapped[str | None] = mapped_column(String(32))
    correction_note: Mapped[str | None] = mapped_column(String(1000))
    decision_reason: Mapped[str | None] = mapped_column(String(1000))
    oss_file_url: Mapped[str | None] = mapped_column(String(2000))  # receiveFileDS: OSS's signed file
    submitted_at: Mapped[datetime | None] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()  # the whole application's working-day deadline
    step_due_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    step_started_at: Mapped[datetime | None] = mapped_column()
    # The clock is stopped while the applicant owes something (a correction, the payment): since when, why.
    paused_at: Mapped[datetime | None] = mapped_column()
    pause_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class History(Base):
    """One row per step of an application: who, what, which OSS status; public rows the owner sees."""

    __tablename__ = "permits_history"
    __table_args__ = (Index("ix_permits_history_application", "application_id", "at"),)

    id: Mapped[str] = id_column()
    application_id: Mapped[str] = mapped_column(ForeignKey("permits_application.id", ondelete="CASCADE"))
    seq: Mapped[int | None] = mapped_column(Integer)  # the application's version this step made: the order
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    step: Mapped[str | None] = mapped_column(String(20))
    kd_status: Mapped[str | None] = mapped_column(String(2))
    actor_kind: Mapped[str] = mapped_column(String(10))  # citizen | staff | oss | system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(12))
    actor_opd: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(1000))
    public: Mapped[bool] = mapped_column(Boolean, default=True)


class Upload(Base):
    """A required document uploaded for an application (type and size checked, magic bytes too)."""

    __tablename__ = "permits_upload"
    __table_args__ = (Index("ix_permits_upload_application", "application_id", "doc_code"),)

    id: Mapped[str] = id_column()
    application_id: Mapped[str] = mapped_column(ForeignKey("permits_application.id", ondelete="CASCADE"))
    doc_code: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(
        String(10), default="submitted"
    )  # submitted|accepted|rejected|replaced
    note: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Permit(Base):
    """An issued permit: number, validity, status (60/70/80 warnings, suspension, sanction, revocation)."""

    __tablename__ = "permits_permit"

    id: Mapped[str] = id_column()
    application_id: Mapped[str] = mapped_column(ForeignKey("permits_application.id"), unique=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    permit_type: Mapped[str] = mapped_column(String(20), index=True)
    nib: Mapped[str | None] = mapped_column(String(13), index=True)
    business_name: Mapped[str] = mapped_column(String(300))
    document_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12), default="active")
    status_note: Mapped[str | None] = mapped_column(String(500))
    fiktif_positif: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_nip: Mapped[str] = mapped_column(String(30))
    signer_title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OssInbound(Base):
    """Every push OSS made to us, accepted or refused, with the answer we gave (nothing lost)."""

    __tablename__ = "permits_oss_inbound"
    __table_args__ = (Index("ix_permits_oss_inbound_nib", "nib", "received_at"),)

    id: Mapped[str] = id_column()
    endpoint: Mapped[str] = mapped_column(String(20))  # receiveNIB | receiveFileDS
    nib: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10))  # accepted | duplicate | refused
    status: Mapped[str] = mapped_column(String(1))  # the PIA answer: "1" ok, "2" refused
    reason: Mapped[str | None] = mapped_column(String(40))
    keterangan: Mapped[str] = mapped_column(String(500))
    applications: Mapped[list] = mapped_column(default=list)  # ids created by this push
    payload: Mapped[dict | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OssCall(Base):
    """An outbound call to OSS, written with the change it reports and sent by a job, in order.

    pending → sent; a refusal by OSS (its answer says no) is `refused` and waits for staff to fix and
    retry; transport failures stay pending and are retried with back-off, then `failed` (visible too).
    """

    __tablename__ = "permits_oss_call"
    __table_args__ = (
        Index("ix_permits_oss_call_application", "application_id", "seq"),
        Index("ix_permits_oss_call_state", "state", "created_at"),
    )

    id: Mapped[str] = id_column()
    seq: Mapped[int] = mapped_column(Integer)  # order of the calls of one application
    application_id: Mapped[str | None] = mapped_column(String(36))
    method: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|refused|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[dict | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class SlaMark(Base):
    """A reminder, escalation or expiry notice done for an application (once per step, even when sweeps
    overlap): the sweep claims the mark before it acts."""

    __tablename__ = "permits_sla_mark"
    __table_args__ = (UniqueConstraint("application_id", "step", name="uq_permits_sla_mark"),)

    id: Mapped[str] = id_column()
    application_id: Mapped[str] = mapped_column(ForeignKey("permits_application.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

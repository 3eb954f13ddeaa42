"""The signed-document tables: one row per issued version, plus who may see it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, id_column, utcnow

DEFAULT_AUTHORITY = "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL"
STATUSES = ("valid", "replaced", "revoked")


class Document(Base):
    """An issued document version (akta, KK, KIA, permit …); its PDF is rendered and signed by a job."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("series_key", "version", name="uq_document_series_version"),)

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(40), index=True)
    number: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    title: Mapped[str] = mapped_column(String(200))
    authority: Mapped[str] = mapped_column(String(200), default=DEFAULT_AUTHORITY)
    fields: Mapped[list] = mapped_column(default=list)  # [[label, value], …] printed in order
    table: Mapped[dict | None] = mapped_column()  # {"columns": [...], "rows": [[...], ...]}
    public: Mapped[dict] = mapped_column(default=dict)  # masked data for the public verify page
    subject_resident_id: Mapped[str | None] = mapped_column(String(36), index=True)
    owner_resident_ids: Mapped[list] = mapped_column(default=list)
    series_key: Mapped[str] = mapped_column(String(120), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_by_id: Mapped[str | None] = mapped_column(String(36))
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None] = mapped_column()
    # Filled by gateway.documents.jobs:render (deferred so listings do not load the bytes).
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    rendered_at: Mapped[datetime | None] = mapped_column()
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)

    owners: Mapped[list[DocumentOwner]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def is_ready(self) -> bool:
        return self.rendered_at is not None

    @property
    def filename(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in self.number)
        return f"{self.kind}-{safe}-v{self.version}.pdf"


class DocumentOwner(Base):
    """Who may see a document (the person, parents, family): indexed for 'my documents' lookups."""

    __tablename__ = "document_owner"
    __table_args__ = (Index("ix_document_owner_resident", "resident_id", "document_id"),)

    document_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    document: Mapped[Document] = relationship(back_populates="owners")

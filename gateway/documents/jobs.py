"""Document jobs: render a document's PDF and sign it (idempotent, ids in)."""

from __future__ import annotations

import hashlib
import logging

from flask import current_app
from sqlalchemy import update

from gateway.db import UnitOfWork, utcnow
from gateway.documents import service
from gateway.documents.models import Document
from gateway.documents.render import Layout, render_pdf
from gateway.documents.signer import Signer, local_signer

log = logging.getLogger(__name__)


def signer() -> Signer:
    """The configured signer, loaded once per process."""
    cfg = current_app.config
    return local_signer(cfg["DOCUMENT_SIGNING_KEY_FILE"], cfg["DOCUMENT_SIGNING_CERT_FILE"])


def render(document_id: str) -> None:
    """Render and sign the PDF once; if it is already there (or the document is gone) do nothing."""
    with UnitOfWork() as uow:
        document = service.get(uow, document_id)
        if document is None or document.rendered_at is not None:
            return
        layout = Layout(
            authority=document.authority,
            title=document.title,
            number=document.number,
            version=document.version,
            fields=[list(pair) for pair in document.fields or []],
            table=document.table,
            issued_at=document.issued_at,
            verify_url=service.verify_url(document),
            tz=current_app.config["TZ_LOCAL"],
        )
        reason = f"{document.title} Nomor {document.number} versi {document.version}"
    pdf = signer().sign(render_pdf(layout), reason=reason)
    with UnitOfWork() as uow:
        assert uow.session is not None
        # Conditional write: if two workers raced, the first stored PDF is the one that stays.
        uow.session.execute(
            update(Document)
            .where(Document.id == document_id, Document.rendered_at.is_(None))
            .values(pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(), rendered_at=utcnow(), signed=True)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    log.info("document rendered", extra={"document_id": document_id, "bytes": len(pdf)})

"""Document jobs: render a document's PDF and sign it (idempotent, ids in)."""

from __future__ import annotations

import hashlib
import logging
import time

from flask import current_app
from sqlalchemy import update

from gateway.db import UnitOfWork, new_id, utcnow
from gateway.documents import service
from gateway.documents.models import Document
from gateway.documents.render import Layout, render_pdf
from gateway.documents.signer import Signer, SigningFiles, local_signer

log = logging.getLogger(__name__)


def signer() -> Signer:
    """The configured signer, loaded once per process."""
    return local_signer(signing_files())


def signing_files() -> SigningFiles:
    cfg = current_app.config
    return SigningFiles(
        key=cfg["DOCUMENT_SIGNING_KEY_FILE"],
        cert=cfg["DOCUMENT_SIGNING_CERT_FILE"],
        ca_key=cfg["DOCUMENT_CA_KEY_FILE"],
        ca_cert=cfg["DOCUMENT_CA_CERT_FILE"],
        tsa_url=cfg["DOCUMENT_TSA_URL"],
    )


def render(document_id: str) -> None:
    """Render and sign the PDF once; if it is already there (or the document is gone) do nothing."""
    started = time.perf_counter()
    loaded = _load(document_id)
    if loaded is None:
        return
    layout, reason = loaded
    read = time.perf_counter()
    drawn = render_pdf(layout)
    laid_out = time.perf_counter()
    pdf = signer().sign(drawn, reason=reason)
    signed = time.perf_counter()
    _store(document_id, pdf)
    total = (time.perf_counter() - started) * 1000
    log.info(
        "document rendered and signed in %.1f ms (read %.1f, layout %.1f, signature %.1f ms; %d bytes)",
        total,
        (read - started) * 1000,
        (laid_out - read) * 1000,
        (signed - laid_out) * 1000,
        len(pdf),
        extra={"document_id": document_id, "duration_ms": round(total, 1)},
    )


def _load(document_id: str) -> tuple[Layout, str] | None:
    """What to print, detached from the session (none if absent or already rendered)."""
    with UnitOfWork() as uow:
        document = service.get(uow, document_id)
        if document is None or document.rendered_at is not None:
            return None
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
        return layout, f"{document.title} Nomor {document.number} versi {document.version}"


def _store(document_id: str, pdf: bytes) -> None:
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


def warm_up() -> None:
    """Run the whole job path once, on nothing, in the worker's parent process.

    RQ forks a work-horse per job, and a child's first-time work (imports, loading the key,
    compiling the SQL statements, font metrics) is lost when it exits; done here once, every job
    inherits it. Touches no document: the id is fresh and the UPDATE matches no row.
    """
    ghost = new_id()
    _load(ghost)
    service.verify_url(Document(id=ghost))
    layout = Layout(
        authority="-",
        title="-",
        number="-",
        version=1,
        fields=[["-", "-"]],
        table={"columns": ["-"], "rows": [["-"]]},
        issued_at=utcnow(),
        verify_url=current_app.config["PUBLIC_BASE_URL"],
        tz=current_app.config["TZ_LOCAL"],
    )
    _store(ghost, signer().sign(render_pdf(layout), reason="warm-up"))

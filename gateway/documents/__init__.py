"""Signed documents (akta, KK, KIA, permits): issue versions, render and sign PDFs, verify QR codes.

Services use only what `__all__` names (`render(document_id)` renders and signs one now: the job
itself, idempotent); an import-linter contract keeps them out of the modules behind it.
"""

from gateway.documents.jobs import render
from gateway.documents.models import DEFAULT_AUTHORITY, Document, DocumentOwner
from gateway.documents.render import MONTHS_ID
from gateway.documents.service import (
    for_residents,
    get,
    issue,
    pdf_for,
    pdf_url,
    revoke,
    verify,
    verify_token,
    verify_url,
)

__all__ = [
    "DEFAULT_AUTHORITY",
    "MONTHS_ID",
    "Document",
    "DocumentOwner",
    "for_residents",
    "get",
    "issue",
    "pdf_for",
    "pdf_url",
    "render",
    "revoke",
    "verify",
    "verify_token",
    "verify_url",
]

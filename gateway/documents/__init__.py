"""Signed documents (akta, KK, KIA, permits): issue versions, render and sign PDFs, verify QR codes."""

from gateway.documents.models import DEFAULT_AUTHORITY, Document, DocumentOwner
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
    "Document",
    "DocumentOwner",
    "for_residents",
    "get",
    "issue",
    "pdf_for",
    "pdf_url",
    "revoke",
    "verify",
    "verify_token",
    "verify_url",
]

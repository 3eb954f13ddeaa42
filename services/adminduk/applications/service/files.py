"""Attachments: decoded, checked, stored; which ones each kind requires."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from gateway.db import UnitOfWork, session_of
from gateway.errors import ValidationFailed
from gateway.kernel import clock
from services.adminduk import uploads
from services.adminduk.applications.models import (
    Application,
    ApplicationAttachment,
)
from services.adminduk.applications.service.common import REQUIRED_ATTACHMENTS


def decode_all(items: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bytes]]:
    """Every upload checked (base64, size, declared type against magic bytes) before anything is written."""
    return [(item, uploads.decode(item, field=f"attachments.{i}")) for i, item in enumerate(items)]


def store(uow: UnitOfWork, application: Application, files: list[tuple[dict[str, Any], bytes]]) -> None:
    now = clock.now()
    kinds = {item["kind"] for item, _ in files}
    if kinds:
        for old in session_of(uow).scalars(
            select(ApplicationAttachment).where(
                ApplicationAttachment.application_id == application.id,
                ApplicationAttachment.kind.in_(kinds),
                ApplicationAttachment.superseded_at.is_(None),
            )
        ):
            old.superseded_at = now
    for item, data in files:
        session_of(uow).add(
            ApplicationAttachment(
                application_id=application.id,
                kind=item["kind"],
                filename=item.get("filename"),
                content_type=item["content_type"],
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                uploaded_at=now,
            )
        )
    session_of(uow).flush()


def required_attachments(kind: str, sub_kind: str | None) -> tuple[str, ...]:
    return REQUIRED_ATTACHMENTS[(kind, sub_kind)]


def require_attachments(uow: UnitOfWork, application: Application) -> None:
    have = set(
        session_of(uow).scalars(
            select(ApplicationAttachment.kind).where(
                ApplicationAttachment.application_id == application.id,
                ApplicationAttachment.superseded_at.is_(None),
            )
        )
    )
    missing = [k for k in required_attachments(application.kind, application.sub_kind) if k not in have]
    if missing:
        raise ValidationFailed(
            f"Missing required attachment: {', '.join(missing)}",
            reason="attachment_missing",
            errors={"json": {"attachments": [f"A file of kind {k} is required" for k in missing]}},
            extra={"missing": missing},
        )

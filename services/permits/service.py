"""Permit use cases shared by the routes: fee quotes and the log of OSS's pushes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.auth import Principal
from gateway.db import UnitOfWork
from services.permits import catalogue, outbound
from services.permits.errors import InvalidApplicationData
from services.permits.models import OssInbound


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def quote(permit_type: catalogue.PermitType, data: dict[str, Any]) -> int:
    """The retribusi for this data; incomplete or ill-formed data is a 422 naming each field."""
    problems = catalogue.check_fields(permit_type, data)
    if problems:
        raise InvalidApplicationData(
            "The data does not fit this permit type", errors={"json": {"data": problems}}
        )
    return catalogue.fee(permit_type, data)


def inbound_log(
    uow: UnitOfWork, *, principal: Principal, outcome: str | None, nib: str | None, limit: int, offset: int
) -> tuple[list[OssInbound], int]:
    """Every push OSS made, newest first (DPMPTSP officers and admins)."""
    outbound.require_staff(principal)
    with uow:
        stmt = select(OssInbound)
        if outcome:
            stmt = stmt.where(OssInbound.outcome == outcome)
        if nib:
            stmt = stmt.where(OssInbound.nib == nib)
        total = _s(uow).scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = _s(uow).scalars(
            stmt.order_by(OssInbound.received_at.desc(), OssInbound.id).limit(limit).offset(offset)
        )
        return list(rows), total

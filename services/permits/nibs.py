"""Reading a NIB from OSS (inqueryNIB): when an owner links a NIB whose push never reached us (OSS gave
up retrying, or the NIB predates our connection), and when DPMPTSP checks what OSS holds for a business
(a NIB OSS has frozen or revoked, a new name or address). OSS's answer refreshes our copy of the
business; OSS down, slow or answering nonsense is a 503 that says so, and nothing is written."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth import Principal
from gateway.db import UnitOfWork
from gateway.errors import NotFound, Unavailable
from services.permits import intake, oss, outbound
from services.permits.models import Business


def _s(uow: UnitOfWork) -> Session:
    assert uow.session is not None
    return uow.session


def inquire(nib: str) -> dict[str, Any] | None:
    """OSS's dataNIB for this NIB, validated like a push; None when OSS does not know the NIB."""
    try:
        answer = outbound.client().call("inqueryNIB", {"INQUERYNIB": {"nib": nib}})
    except oss.OssUnavailable as exc:
        raise Unavailable(
            "OSS did not answer the NIB inquiry: try again later",
            reason="oss_unavailable",
            extra={"oss": str(exc)},
        ) from None
    except oss.OssRefused as exc:
        inner = (exc.response or {}).get("responinqueryNIB") if isinstance(exc.response, dict) else None
        if isinstance(inner, dict) and str(inner.get("kode")) == "404":
            return None
        raise Unavailable(
            "OSS refused the NIB inquiry", reason="oss_unavailable", extra={"oss": str(exc)}
        ) from None
    data_nib = (answer.get("responinqueryNIB") or {}).get("dataNIB")
    try:
        loaded: dict[str, Any] = oss.DataNibSchema().load(data_nib if isinstance(data_nib, dict) else {})
    except ma.ValidationError as exc:
        raise Unavailable(
            "OSS answered a NIB we cannot read", reason="oss_unavailable", extra={"oss": exc.messages_dict}
        ) from None
    if loaded["nib"] != nib:
        raise Unavailable("OSS answered for another NIB", reason="oss_unavailable")
    return loaded


def known(uow: UnitOfWork, nib: str) -> bool:
    with uow:
        return _s(uow).scalar(select(Business.id).where(Business.nib == nib)) is not None


def check(uow: UnitOfWork, *, principal: Principal, nib: str) -> Business:
    """DPMPTSP asks OSS for a NIB now: our copy refreshed from the answer, or 404 if OSS has none."""
    outbound.require_staff(principal)
    data_nib = inquire(nib)
    if data_nib is None:
        raise NotFound("OSS has no business with this NIB", reason="nib_unknown_to_oss")
    with uow:
        business = intake.upsert_business(uow, data_nib)
        uow.commit()
        return business

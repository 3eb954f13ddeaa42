"""Small helpers every adminduk module uses: the session of a unit of work, the city's clock, ages."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from gateway.auth import Principal
from gateway.db import UnitOfWork, utcnow

DISDUKCAPIL = "DISDUKCAPIL"


def session_of(uow: UnitOfWork) -> Session:
    """The open session of `uow` (use cases run inside `with uow:`)."""
    assert uow.session is not None
    return uow.session


def local_tz() -> ZoneInfo:
    """The city's time zone (config TZ_LOCAL, Asia/Jakarta)."""
    return ZoneInfo(current_app.config["TZ_LOCAL"])


def local_today() -> date:
    """Today's date in the city."""
    return utcnow().astimezone(local_tz()).date()


def age_on(born: date, on: date) -> int:
    """Completed years of a person born on `born`, on the day `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_disdukcapil_officer(principal: Principal) -> bool:
    """An officer (not a counter clerk) of Disdukcapil, the office that decides on adminduk files."""
    return principal.is_staff and principal.role == "officer" and principal.opd == DISDUKCAPIL

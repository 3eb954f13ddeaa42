"""Small helpers every adminduk module uses: ages and who decides on adminduk files."""

from __future__ import annotations

from datetime import date

from gateway.auth import Principal

DISDUKCAPIL = "DISDUKCAPIL"


def age_on(born: date, on: date) -> int:
    """Completed years of a person born on `born`, on the day `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_disdukcapil_officer(principal: Principal) -> bool:
    """An officer (not a counter clerk) of Disdukcapil, the office that decides on adminduk files."""
    return principal.is_staff and principal.role == "officer" and principal.opd == DISDUKCAPIL

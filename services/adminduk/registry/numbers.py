"""Number allocation: NIK serials, akta numbers and tracking numbers, safe under concurrency."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from sqlalchemy import Integer, cast, func, select

from gateway.db import UnitOfWork
from gateway.identity import Resident
from gateway.identity import nik as nik_rules
from gateway.kernel import counters
from gateway.kernel.settings import region_code, setting

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: nothing to confuse over the phone


def next_value(uow: UnitOfWork, key: str, *, start: int | Any = 1, floor: Any = None) -> int:
    """Adminduk's counter `key` (kernel counters, scope "adminduk"): NIK serials, akta numbers, KK versions."""
    return counters.next_value(uow, "adminduk", key, start=start, floor=floor)


def lock(uow: UnitOfWork, key: str) -> None:
    """Serialise writers of one thing (a family's KK) until this transaction ends."""
    next_value(uow, key)


def allocate_nik(uow: UnitOfWork, *, region: str, birth_date: date, sex: str) -> str:
    """The next free NIK for region + DDMMYY(+40), in one statement.

    The counter row per 12-digit prefix serialises concurrent registrations; it never falls behind
    the registry (a NIK imported by another channel is skipped, never reused). The unique index on
    identity_resident.nik is the last guard.
    """
    prefix = nik_rules.prefix_for(region, birth_date, sex)
    highest = (
        select(func.coalesce(func.max(func.substr(Resident.nik, 13, 4)), "0000"))
        .where(Resident.nik >= f"{prefix}0000", Resident.nik <= f"{prefix}9999")
        .scalar_subquery()
    )
    after_registry = cast(highest, Integer) + 1
    serial = next_value(uow, f"nik:{prefix}", start=after_registry, floor=after_registry)
    if serial > 9999:
        raise OverflowError(f"NIK serials exhausted for prefix {prefix[:6]}")
    return f"{prefix}{serial:04d}"


def akta_number(uow: UnitOfWork, *, template: str, kind: str, kabkota: str, on: date) -> str:
    """An akta number from the configured template.

    Placeholders: {kabkota} {ddmmyyyy} {yyyymmdd} {yyyy} {mm} {dd} {serial} (format specs allowed).
    The serial counts per everything else the number shows — per kab/kota and day with the default
    template, per year with a template that shows only the year — so numbers never repeat.
    """
    values = {
        "kabkota": kabkota,
        "ddmmyyyy": f"{on:%d%m%Y}",
        "yyyymmdd": f"{on:%Y%m%d}",
        "yyyy": f"{on:%Y}",
        "mm": f"{on:%m}",
        "dd": f"{on:%d}",
    }
    scope = template.format(**values, serial=0)
    if len(scope) > 40:
        scope = hashlib.sha256(scope.encode()).hexdigest()[:40]
    serial = next_value(uow, f"akta:{kind}:{scope}")
    return template.format(**values, serial=serial)


def birth_akta_number(uow: UnitOfWork, *, on: date) -> str:
    template = setting("AKTA_NUMBER_TEMPLATE")
    return akta_number(uow, template=template, kind="LT", kabkota=kabkota_code(), on=on)


def death_akta_number(uow: UnitOfWork, *, on: date) -> str:
    template = setting("AKTA_KEMATIAN_NUMBER_TEMPLATE")
    return akta_number(uow, template=template, kind="KM", kabkota=kabkota_code(), on=on)


def kabkota_code() -> str:
    """'12.72' → '1272' (REGION_CODE of the city)."""
    return region_code().replace(".", "")


def tracking_number(prefix: str, on: date) -> str:
    """E.g. 'LT-261123-4F7K2Q': kind, date, six random characters (unique index on each table)."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{prefix}-{on:%y%m%d}-{tail}"

"""Number allocation: NIK serials, akta numbers and tracking numbers, safe under concurrency."""

from __future__ import annotations

import secrets
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db import UnitOfWork
from gateway.identity import nik as nik_rules
from gateway.identity.models import Resident
from services.adminduk.models import Counter

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: nothing to confuse over the phone


def _s(uow: UnitOfWork):  # noqa: ANN202 - tiny accessor
    assert uow.session is not None
    return uow.session


def next_value(uow: UnitOfWork, key: str, *, start: int = 1) -> int:
    """Increment counter `key` (creating it at `start`) and return the new value.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING: on PostgreSQL the row stays locked until our
    transaction ends, so a concurrent registration of the same key waits and then sees our value;
    on SQLite the write takes the database lock for the same effect.
    """
    dialect = postgresql if uow.is_postgres else sqlite
    table = Counter.__table__
    stmt = dialect.insert(table).values(key=key, value=start)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={"value": table.c.value + 1})
    return int(_s(uow).execute(stmt.returning(table.c.value)).scalar_one())


def lock(uow: UnitOfWork, key: str) -> None:
    """Serialise writers of one thing (a family's KK) until this transaction ends."""
    next_value(uow, key)


def allocate_nik(uow: UnitOfWork, *, region: str, birth_date: date, sex: str) -> str:
    """The next free NIK for region + DDMMYY(+40): counter first, the registry's unique nik last."""
    prefix = nik_rules.prefix_for(region, birth_date, sex)
    key = f"nik:{prefix}"
    exists = _s(uow).scalar(select(Counter.key).where(Counter.key == key))
    start = 1
    if exists is None:
        # First NIK of this prefix through us: start after whatever the registry already holds.
        highest = _s(uow).scalar(
            select(func.max(Resident.nik)).where(
                Resident.nik.like(f"{prefix}%"), func.length(Resident.nik) == 16
            )
        )
        start = int(highest[12:]) + 1 if highest else 1
    while True:
        serial = next_value(uow, key, start=start)
        if serial > 9999:
            raise OverflowError(f"NIK serials exhausted for prefix {prefix[:6]}")
        candidate = f"{prefix}{serial:04d}"
        # A NIK written into the registry by another channel (an import) is skipped, never reused.
        if _s(uow).scalar(select(Resident.id).where(Resident.nik == candidate)) is None:
            return candidate


def akta_number(uow: UnitOfWork, *, template: str, kind: str, kabkota: str, on: date) -> str:
    """An akta number from the configured template; serial per kab/kota, kind and day."""
    serial = next_value(uow, f"akta:{kind}:{kabkota}:{on:%Y%m%d}")
    return template.format(
        kabkota=kabkota,
        ddmmyyyy=f"{on:%d%m%Y}",
        yyyy=f"{on:%Y}",
        serial=serial,
    )


def birth_akta_number(uow: UnitOfWork, *, on: date) -> str:
    cfg = current_app.config
    return akta_number(uow, template=cfg["AKTA_NUMBER_TEMPLATE"], kind="LT", kabkota=kabkota_code(), on=on)


def death_akta_number(uow: UnitOfWork, *, on: date) -> str:
    template = (
        current_app.config.get("AKTA_KEMATIAN_NUMBER_TEMPLATE") or "{kabkota}-KM-{ddmmyyyy}-{serial:04d}"
    )
    return akta_number(uow, template=template, kind="KM", kabkota=kabkota_code(), on=on)


def kabkota_code() -> str:
    """'12.72' → '1272' (REGION_CODE of the city)."""
    return current_app.config["REGION_CODE"].replace(".", "")


def tracking_number(prefix: str, on: date) -> str:
    """E.g. 'LT-261123-4F7K2Q': kind, date, six random characters (unique index on each table)."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{prefix}-{on:%y%m%d}-{tail}"

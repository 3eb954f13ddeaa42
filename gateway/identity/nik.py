"""NIK structure (PPKKCC DDMMYY SSSS), validation against Kemendagri codes, and masking for logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gateway.identity import wilayah

NIK_RE = re.compile(r"^\d{16}$")


@dataclass(frozen=True)
class NikParts:
    region: str  # 6-digit kecamatan code
    birth_date: date
    sex: str  # L / P
    serial: int


class InvalidNik(ValueError):
    pass


def parse(nik: str, *, today: date | None = None) -> NikParts:
    """Validate structure, region and date of birth; raise InvalidNik with the reason."""
    if not isinstance(nik, str) or not NIK_RE.match(nik):
        raise InvalidNik("Not a valid NIK: must be 16 digits")
    region = nik[:6]
    if not wilayah.is_kecamatan(region):
        raise InvalidNik("Not a valid NIK: unknown region code")
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "L"
    if dd > 40:
        dd -= 40
        sex = "P"
    today = today or date.today()
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        born = date(year, mm, dd)
    except ValueError as exc:
        raise InvalidNik("Not a valid NIK: impossible birth date") from exc
    serial = int(nik[12:])
    if serial == 0:
        raise InvalidNik("Not a valid NIK: serial 0000")
    return NikParts(region=region, birth_date=born, sex=sex, serial=serial)


def is_valid(nik: str) -> bool:
    try:
        parse(nik)
    except InvalidNik:
        return False
    return True


def prefix_for(region: str, birth_date: date, sex: str) -> str:
    """The 12-digit prefix a new NIK gets: region + DDMMYY (+40 for girls)."""
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"


def mask(nik: str | None) -> str:
    """'1272014101230001' → '1272********0001': region and serial only."""
    if not nik:
        return ""
    return f"{nik[:4]}{'*' * 8}{nik[-4:]}" if len(nik) == 16 else "*" * len(nik)

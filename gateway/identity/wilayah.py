"""Kemendagri region codes (shipped CSV, attribution in data/ATTRIBUTION.md): the codes NIK and KK carry."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "wilayah_kemendagri.csv"


@cache
def regions() -> dict[str, tuple[str, str]]:
    """Dotted code → (name, level)."""
    with DATA.open(encoding="utf-8") as fh:
        return {row["kode"]: (row["nama"], row["tingkat"]) for row in csv.DictReader(fh)}


def dotted(code: str) -> str:
    """'127201' → '12.72.01'; '1272011001' → '12.72.01.1001'."""
    code = code.replace(".", "")
    parts = [code[0:2], code[2:4], code[4:6]]
    if len(code) > 6:
        parts.append(code[6:])
    return ".".join(p for p in parts if p)


def is_kecamatan(code: str) -> bool:
    entry = regions().get(dotted(code))
    return bool(entry and entry[1] == "kecamatan")


def name_of(code: str) -> str | None:
    entry = regions().get(dotted(code))
    return entry[0] if entry else None


@cache
def _kelurahan_of(city: str) -> tuple[tuple[str, str], ...]:
    prefix = city + "."
    return tuple((k, v[0]) for k, v in regions().items() if k.startswith(prefix) and v[1] == "kelurahan_desa")


def kelurahan_of(city: str) -> list[tuple[str, str]]:
    """The kelurahan of a kab/kota, e.g. kelurahan_of('12.72') → [('12.72.01.1001', 'Kebun Sayur'), …].

    Cached: request paths validate locations against it, and the full list has 7,890 codes.
    """
    return list(_kelurahan_of(city))


def kecamatan_of_kelurahan(kelurahan_code: str) -> str:
    """'12.72.01.1001' → '127201' (the NIK/KK prefix)."""
    return kelurahan_code.replace(".", "")[:6]


def is_kelurahan(code: str) -> bool:
    entry = regions().get(code)
    return bool(entry and entry[1] == "kelurahan_desa")

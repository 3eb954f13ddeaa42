"""Indonesian wording of civil documents: dates in words, sexes, initials, the city's names."""

from __future__ import annotations

import re
from datetime import date

from gateway.documents import MONTHS_ID as MONTHS
from gateway.identity import nik as nik_rules

SEX = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}
CITY = "PEMATANGSIANTAR"
KOTA = "KOTA PEMATANGSIANTAR"
PROVINCE = "SUMATERA UTARA"
AUTHORITY = "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KOTA PEMATANGSIANTAR"
OFFICIAL = "KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KOTA PEMATANGSIANTAR"

# How hospitals write a newborn not named yet: "By. Ny. Siti Rahma", "Bayi Ny. …", "Bayi Nyonya …",
# "By Ny …" (baby of Mrs …), "Bayi dari …", "An. By. Ny. …", "Bayi laki-laki Ny. …", or just "Bayi".
_PLACEHOLDER = re.compile(
    r"^(?:AN\.?\s*)?(?:BY|BAYI)\b\.?"
    r"(?:\s*(?:LAKI-LAKI|LAKI|PEREMPUAN|LK|PR)\b\.?)?"
    r"\s*(?:(?:NY|NYONYA|NN|NONA)\b\.?|DARI\b|$)"
)

_UNITS = (
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)


def tanggal(value: date) -> str:
    """date(2023, 9, 13) → '13 September 2023'."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def terbilang(n: int) -> str:
    """A number in Indonesian words, as an akta writes dates and ordinals ('seribu sembilan ratus …')."""
    if n < 12:
        return _UNITS[n]
    if n < 20:
        return f"{_UNITS[n - 10]} belas"
    if n < 100:
        tens, unit = divmod(n, 10)
        return f"{_UNITS[tens]} puluh" + (f" {_UNITS[unit]}" if unit else "")
    for size, word, one in ((1000, "ribu", "seribu"), (100, "ratus", "seratus")):
        if n >= size:
            head, rest = divmod(n, size)
            words = one if head == 1 else f"{terbilang(head)} {word}"
            return words + (f" {terbilang(rest)}" if rest else "")
    return str(n)


def tanggal_terbilang(value: date) -> str:
    """date(2026, 11, 24) → 'dua puluh empat November tahun dua ribu dua puluh enam'.

    A kutipan akta writes the date of the event out in words (so a figure cannot be altered by hand),
    with the month by name; the fields below it repeat the date in figures.
    """
    return f"{terbilang(value.day)} {MONTHS[value.month - 1]} tahun {terbilang(value.year)}"


def ke(n: int) -> str:
    """1 → 'kesatu', 2 → 'kedua'."""
    return f"ke{terbilang(n).replace(' ', '')}" if n < 12 else f"ke-{n}"


def initials(name: str | None) -> str:
    """'MARIA SINAGA' → 'M. S.' (what the public verification page may show)."""
    parts = [p for p in (name or "").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts) or "-"


def masked(nik: str | None) -> str:
    return nik_rules.mask(nik)


def display_name(name: str | None, mother_name: str | None = None) -> str:
    """A child registered before being named is 'BAYI NY. <mother>' on documents, as hospitals write."""
    if name:
        return name
    return f"BAYI NY. {mother_name}" if mother_name else "BELUM BERNAMA"


def is_placeholder_name(name: str | None) -> bool:
    """True for a hospital's stand-in for a newborn's name ('BY. NY. SITI'): not a name yet."""
    return bool(name) and _PLACEHOLDER.match(" ".join((name or "").upper().split())) is not None

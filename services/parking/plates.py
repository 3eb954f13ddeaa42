"""Indonesian number plates (TNKB): one normal form, e.g. "BK 1234 ABC", and a keyed pseudonym."""

from __future__ import annotations

import hashlib
import hmac
import re

from gateway.kernel.settings import setting
from services.parking.errors import invalid

# Region codes of the civilian series (Korlantas). A plate outside them is a typo on a handheld.
REGIONS = frozenset(
    [
        "A",
        "AA",
        "AB",
        "AD",
        "AE",
        "AG",
        "B",
        "BA",
        "BB",
        "BD",
        "BE",
        "BG",
        "BH",
        "BK",
        "BL",
        "BM",
        "BN",
        "BP",
        "D",
        "DA",
        "DB",
        "DC",
        "DD",
        "DE",
        "DG",
        "DH",
        "DK",
        "DL",
        "DM",
        "DN",
        "DP",
        "DR",
        "DS",
        "DT",
        "E",
        "EA",
        "EB",
        "ED",
        "F",
        "G",
        "H",
        "K",
        "KB",
        "KH",
        "KT",
        "KU",
        "L",
        "M",
        "N",
        "P",
        "PA",
        "PB",
        "PG",
        "PT",
        "PY",
        "R",
        "S",
        "T",
        "W",
        "Z",
    ]
)
_PLATE = re.compile(r"^([A-Z]{1,2})([0-9]{1,4})([A-Z]{0,3})$")


class PlateProblem(ValueError):
    """Not a plate: the message says what is wrong."""


def normalise(raw: str) -> str:
    """'bk1234abc', 'BK-1234-ABC', ' bk 1234 abc ' → 'BK 1234 ABC'; raises PlateProblem."""
    compact = re.sub(r"[\s.\-]", "", (raw or "").upper())
    match = _PLATE.match(compact)
    if not match:
        raise PlateProblem("A plate is a region code, 1–4 digits and up to 3 letters, e.g. BK 1234 ABC")
    region, number, suffix = match.groups()
    if region not in REGIONS:
        raise PlateProblem(f"{region} is not an Indonesian region code")
    if number.startswith("0"):
        raise PlateProblem("The number does not start with 0")
    return " ".join(part for part in (region, number, suffix) if part)


def checked(raw: str) -> str:
    """normalise(), refusing a bad plate with 422 invalid_plate (naming the field)."""
    try:
        return normalise(raw)
    except PlateProblem as problem:
        raise invalid("plate", str(problem), "invalid_plate") from None


def key(plate: str) -> str:
    """A keyed hash of the normalised plate: the same car links its visits, nobody can read it back."""
    secret = str(setting("SECRET_KEY")).encode()
    return hmac.new(secret, f"parking-plate:{plate}".encode(), hashlib.sha256).hexdigest()


def masked(plate: str | None) -> str | None:
    """'BK 1234 ABC' → 'BK 12** ***' for public views (a receipt anyone may verify)."""
    if not plate:
        return None
    region, _, rest = plate.partition(" ")
    number, _, suffix = rest.partition(" ")
    shown = number[:2] + "*" * (len(number) - 2)
    return " ".join(p for p in (region, shown, "*" * len(suffix)) if p)

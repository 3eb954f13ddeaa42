"""The optional SIAK columns a KK prints beyond the core registry row: their values and their checks.

A SIAK export may carry them or not; an empty cell stays unknown ("-" on the card), a filled one
must be one of SIAK's own values, so a KK never prints a spelling the real card would not.
"""

from __future__ import annotations

import random
import re
from datetime import date
from typing import Any

RELIGIONS = ("ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KONGHUCU", "KEPERCAYAAN TERHADAP TUHAN YME")
EDUCATION = (
    "TIDAK/BELUM SEKOLAH",
    "BELUM TAMAT SD/SEDERAJAT",
    "TAMAT SD/SEDERAJAT",
    "SLTP/SEDERAJAT",
    "SLTA/SEDERAJAT",
    "DIPLOMA I/II",
    "AKADEMI/DIPLOMA III/S. MUDA",
    "DIPLOMA IV/STRATA I",
    "STRATA II",
    "STRATA III",
)
BLOOD_TYPES = ("A", "B", "AB", "O", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "TIDAK TAHU")
CITIZENSHIP = ("WNI", "WNA")
# Statuses after which a marriage date exists (a divorced or widowed person married once).
EVER_MARRIED = ("KAWIN", "KAWIN TERCATAT", "CERAI HIDUP", "CERAI MATI")
OPTIONAL_COLUMNS = (
    "religion",
    "education",
    "occupation",
    "blood_type",
    "marriage_date",
    "citizenship",
    "passport_number",
    "kitas_number",
    "father_name",
    "mother_name",
)
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")


def row_errors(row: dict[str, str], born: date | None) -> list[str]:
    """What is wrong with the optional columns of one import row (empty cells are fine)."""
    problems = []
    choices = (("religion", RELIGIONS), ("education", EDUCATION), ("blood_type", BLOOD_TYPES))
    for key, allowed in (*choices, ("citizenship", CITIZENSHIP)):
        if row.get(key) and row[key].upper() not in allowed:
            problems.append(f"{key} must be one of {', '.join(allowed)}")
    for key, limit in (("occupation", 80), ("father_name", 120), ("mother_name", 120)):
        if len(row.get(key, "")) > limit:
            problems.append(f"{key} is longer than {limit} characters")
    if row.get("marriage_date"):
        try:
            married = date.fromisoformat(row["marriage_date"])
        except ValueError:
            problems.append("marriage_date must be YYYY-MM-DD")
        else:
            if born is not None and married <= born:
                problems.append("marriage_date must be after birth_date")
            if row.get("marital_status", "").upper() not in EVER_MARRIED:
                problems.append(f"marriage_date needs a marital_status of {', '.join(EVER_MARRIED)}")
    for key in ("passport_number", "kitas_number"):
        if row.get(key) and not _DOCUMENT_NUMBER.match(row[key].upper()):
            problems.append(f"{key} must be 5-20 letters or digits")
    if (row.get("citizenship") or "WNI").upper() == "WNA" and not row.get("passport_number"):
        problems.append("a WNA needs passport_number")
    return problems


def values(row: dict[str, str]) -> dict[str, Any]:
    """The optional columns as registry values (upper case as SIAK prints them; empty = unknown)."""

    def text(key: str) -> str | None:
        return row.get(key, "").upper() or None

    return {
        "religion": text("religion"),
        "education": text("education"),
        "occupation": text("occupation"),
        "blood_type": text("blood_type"),
        "marriage_date": date.fromisoformat(row["marriage_date"]) if row.get("marriage_date") else None,
        "citizenship": text("citizenship") or "WNI",
        "passport_number": text("passport_number"),
        "kitas_number": text("kitas_number"),
        "father_name": text("father_name"),
        "mother_name": text("mother_name"),
    }


OCCUPATIONS_ADULT = (
    "PEGAWAI NEGERI SIPIL",
    "KARYAWAN SWASTA",
    "WIRASWASTA",
    "PEDAGANG",
    "PETANI/PEKEBUN",
    "GURU",
    "PERAWAT",
    "SOPIR",
    "BURUH HARIAN LEPAS",
)
SENIOR_GRADES = EDUCATION[2:]


def synthetic(nik: str, *, seed: int, born: date, relationship: str, reference: date) -> dict[str, Any]:
    """The optional fields of a synthetic resident, drawn from its own NIK.

    A random stream per NIK (not the city's shared one) keeps the generated residents exactly
    as they were before these fields existed, and gives the same values on any day.
    """
    rng = random.Random(f"{seed}:{nik}")
    age = reference.year - born.year
    if age < 5:
        education, occupation = "TIDAK/BELUM SEKOLAH", "BELUM/TIDAK BEKERJA"
    elif age < 19:
        education, occupation = (
            "BELUM TAMAT SD/SEDERAJAT" if age < 12 else "TAMAT SD/SEDERAJAT",
            "PELAJAR/MAHASISWA",
        )
    else:
        education = rng.choice(SENIOR_GRADES)
        occupation = rng.choice(
            OCCUPATIONS_ADULT + (("MENGURUS RUMAH TANGGA",) if relationship == "ISTRI" else ())
        )
    return {
        "education": education,
        "occupation": occupation,
        "blood_type": rng.choice(("A", "B", "AB", "O", "O", "TIDAK TAHU")),
        "citizenship": "WNI",
    }

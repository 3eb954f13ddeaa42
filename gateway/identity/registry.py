"""The population registry: import a SIAK export, or generate a synthetic but valid city."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from gateway.db import UnitOfWork, new_id, utcnow
from gateway.identity import kk_fields, wilayah
from gateway.identity import nik as nik_rules
from gateway.identity.models import Resident

COLUMNS = (
    "nik",
    "kk_number",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "family_relationship",
    "marital_status",
    "kelurahan_code",
    "address",
    "rt",
    "rw",
)
RELATIONSHIPS = (
    "KEPALA KELUARGA",
    "SUAMI",
    "ISTRI",
    "ANAK",
    "MENANTU",
    "CUCU",
    "ORANG TUA",
    "MERTUA",
    "FAMILI LAIN",
    "PEMBANTU",
    "LAINNYA",
)
MARITAL = ("BELUM KAWIN", "KAWIN", "KAWIN TERCATAT", "KAWIN BELUM TERCATAT", "CERAI HIDUP", "CERAI MATI")
MARRIED = ("KAWIN", "KAWIN TERCATAT")


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _row_errors(row: dict[str, str]) -> list[str]:
    problems = []
    try:
        parts = nik_rules.parse(row["nik"])
    except nik_rules.InvalidNik as exc:
        return [str(exc)]
    problems += kk_fields.row_errors(row, parts.birth_date)
    kk = row["kk_number"]
    if not (len(kk) == 16 and kk.isdigit() and wilayah.is_kecamatan(kk[:6])):
        problems.append("kk_number must be 16 digits starting with a kecamatan code")
    if not row["full_name"].strip():
        problems.append("full_name is empty")
    if row["sex"] not in ("L", "P"):
        problems.append("sex must be L or P")
    elif row["sex"] != parts.sex:
        problems.append("sex does not match the NIK (day +40 for women)")
    try:
        born = date.fromisoformat(row["birth_date"])
        if born != parts.birth_date:
            problems.append("birth_date does not match the NIK")
    except ValueError:
        problems.append("birth_date must be YYYY-MM-DD")
    if row["family_relationship"].upper() not in RELATIONSHIPS:
        problems.append(f"family_relationship must be one of {', '.join(RELATIONSHIPS)}")
    if row["marital_status"].upper() not in MARITAL:
        problems.append(f"marital_status must be one of {', '.join(MARITAL)}")
    if not wilayah.is_kelurahan(row["kelurahan_code"]):
        problems.append("kelurahan_code is not a Kemendagri kelurahan/desa code")
    for key in ("rt", "rw"):
        if not (row[key].isdigit() and 1 <= len(row[key]) <= 3):
            problems.append(f"{key} must be 1-3 digits")
    return problems


def import_residents(uow: UnitOfWork, path: str) -> ImportReport:
    """All or nothing: any bad row is reported with its line and nothing is imported."""
    report = ImportReport()
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            report.errors.append((1, f"missing columns: {', '.join(missing)}"))
            return report
        for line, row in enumerate(reader, start=2):
            row = {k: (row.get(k) or "").strip() for k in COLUMNS + kk_fields.OPTIONAL_COLUMNS}
            problems = _row_errors(row)
            if row["nik"] in seen:
                problems.append(f"duplicate NIK (also on line {seen[row['nik']]})")
            seen.setdefault(row["nik"], line)
            for problem in problems:
                report.errors.append((line, problem))
            if not problems:
                rows.append(_resident_values(row))
    with uow:
        assert uow.session is not None
        existing = set()
        niks = [r["nik"] for r in rows]
        for i in range(0, len(niks), 1000):
            existing |= set(
                uow.session.scalars(select(Resident.nik).where(Resident.nik.in_(niks[i : i + 1000])))
            )
        for line, nik in ((seen[n], n) for n in niks if n in existing):
            report.errors.append((line, f"NIK {nik_rules.mask(nik)} is already in the registry"))
        if report.errors:
            report.errors.sort()
            return report
        for i in range(0, len(rows), 5000):
            uow.session.execute(insert(Resident), rows[i : i + 5000])
        uow.commit()
    report.imported = len(rows)
    return report


def _resident_values(row: dict[str, str]) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": new_id(),
        "nik": row["nik"],
        "kk_number": row["kk_number"],
        "full_name": row["full_name"].upper(),
        "sex": row["sex"],
        "birth_place": row["birth_place"].upper(),
        "birth_date": date.fromisoformat(row["birth_date"]),
        "family_relationship": row["family_relationship"].upper(),
        "marital_status": row["marital_status"].upper(),
        "kelurahan_code": row["kelurahan_code"],
        "address": row["address"],
        "rt": row["rt"].zfill(3),
        "rw": row["rw"].zfill(3),
        "is_deceased": False,
        "created_at": now,
        "updated_at": now,
        "father_nik": None,
        "mother_nik": None,
        "birth_order": 1,
        **kk_fields.values(row),
    }


# ---- synthetic city -----------------------------------------------------------------------------------

GIVEN_M = (
    "Budi",
    "Andi",
    "Rudi",
    "Hendra",
    "Jonatan",
    "Daniel",
    "Samuel",
    "Yosua",
    "Rizky",
    "Fajar",
    "Agus",
    "Bonar",
    "Tigor",
    "Parlindungan",
    "Maruli",
    "Togar",
    "Herman",
    "Dedi",
    "Ferry",
    "Gilbert",
    "Roy",
)
GIVEN_F = (
    "Siti",
    "Rina",
    "Dewi",
    "Maria",
    "Ruth",
    "Lestari",
    "Sari",
    "Nurhaliza",
    "Debora",
    "Elisabet",
    "Intan",
    "Melati",
    "Rosmawati",
    "Tiur",
    "Uli",
    "Butet",
    "Romauli",
    "Yohana",
    "Grace",
    "Putri",
    "Ayu",
)
MIDDLE = ("", "", "Putra", "Putri", "Maria", "Agustina", "Rahmat", "Sahat", "Hotma", "Nauli")
SURNAMES = (
    "Siregar",
    "Simanjuntak",
    "Sinaga",
    "Saragih",
    "Damanik",
    "Purba",
    "Girsang",
    "Sitorus",
    "Nainggolan",
    "Manurung",
    "Simbolon",
    "Hutapea",
    "Lubis",
    "Nasution",
    "Harahap",
    "Tambunan",
    "Sembiring",
    "Ginting",
    "Pane",
    "Hasibuan",
    "Santoso",
    "Wijaya",
    "Sitompul",
    "Panjaitan",
    "Butarbutar",
)
STREETS = (
    "Jl. Sutomo",
    "Jl. Merdeka",
    "Jl. Sudirman",
    "Jl. Diponegoro",
    "Jl. Ahmad Yani",
    "Jl. Sisingamangaraja",
    "Jl. Kartini",
    "Jl. Gereja",
    "Jl. Medan",
    "Jl. Asahan",
    "Jl. Bah Biak",
    "Jl. Rakutta Sembiring",
    "Jl. Melanthon Siregar",
    "Jl. Pdt. J. Wismar Saragih",
    "Jl. Vihara",
    "Jl. Singosari",
)


class SerialAllocator:
    """Next free NIK / KK serial per 12-digit prefix, seeded from what the registry already holds."""

    def __init__(self, uow: UnitOfWork) -> None:
        assert uow.session is not None
        self.nik: dict[str, int] = defaultdict(int)
        self.kk: dict[str, int] = defaultdict(int)
        prefix = func.substr(Resident.nik, 1, 12)
        for p, top in uow.session.execute(select(prefix, func.max(Resident.nik)).group_by(prefix)):
            self.nik[p] = int(top[12:])
        kprefix = func.substr(Resident.kk_number, 1, 12)
        for p, top in uow.session.execute(select(kprefix, func.max(Resident.kk_number)).group_by(kprefix)):
            self.kk[p] = int(top[12:])

    def next_nik(self, region: str, born: date, sex: str) -> str:
        prefix = nik_rules.prefix_for(region, born, sex)
        self.nik[prefix] += 1
        return f"{prefix}{self.nik[prefix]:04d}"

    def next_kk(self, region: str, issued: date) -> str:
        prefix = f"{region}{issued:%d%m%y}"
        self.kk[prefix] += 1
        return f"{prefix}{self.kk[prefix]:04d}"


def _birth(rng: random.Random, lo: int, hi: int, today: date) -> date:
    return today - timedelta(days=rng.randint(lo * 365, hi * 365))


# Ages are counted back from this fixed day, never from today: the same seed makes the same residents
# (NIKs, names, birth dates) on any day, so the NIKs printed in the guides keep existing.
POPULATION_REFERENCE_DATE = date(2026, 1, 1)


def seed_population(
    uow: UnitOfWork,
    *,
    count: int,
    seed: int = 1272,
    city: str = "12.72",
    reference: date = POPULATION_REFERENCE_DATE,
) -> int:
    """Generate about `count` residents in families across the city's kelurahan; returns how many.

    Deterministic: the same `seed` and `reference` day give the same residents in an empty registry.
    """
    rng = random.Random(seed)
    today = reference
    kelurahan = [code for code, _ in wilayah.kelurahan_of(city)]
    created = 0
    with uow:
        assert uow.session is not None
        alloc = SerialAllocator(uow)
        batch: list[dict[str, Any]] = []
        while created < count:
            kel = rng.choice(kelurahan)
            region = wilayah.kecamatan_of_kelurahan(kel)
            surname = rng.choice(SURNAMES)
            address = f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}"
            rt, rw = f"{rng.randint(1, 12):03d}", f"{rng.randint(1, 6):03d}"
            head_born = _birth(rng, 24, 70, today)
            kk = alloc.next_kk(region, _birth(rng, 0, 20, today))
            married = rng.random() < 0.8
            members = [("KEPALA KELUARGA", "L", head_born, "KAWIN" if married else "BELUM KAWIN")]
            if married:
                members.append(
                    ("ISTRI", "P", head_born + timedelta(days=rng.randint(-3 * 365, 6 * 365)), "KAWIN")
                )
                youngest_parent = max(m[2] for m in members)
                for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4))):
                    child_born = youngest_parent + timedelta(days=rng.randint(19 * 365, 40 * 365))
                    if child_born >= today:
                        continue
                    members.append(("ANAK", rng.choice("LP"), child_born, "BELUM KAWIN"))
            mother_nik = father_nik = None
            parents: dict[str, str] = {}
            wedding = _wedding(members, seed=seed, kk=kk, today=today)
            for relationship, sex, born, marital in members:
                given = rng.choice(GIVEN_M if sex == "L" else GIVEN_F)
                name = " ".join(p for p in (given, rng.choice(MIDDLE), surname) if p).upper()
                nik = alloc.next_nik(region, born, sex)
                row = {
                    "nik": nik,
                    "kk_number": kk,
                    "full_name": name,
                    "sex": sex,
                    "birth_place": "PEMATANGSIANTAR",
                    "birth_date": born.isoformat(),
                    "family_relationship": relationship,
                    "marital_status": marital,
                    "kelurahan_code": kel,
                    "address": address,
                    "rt": rt,
                    "rw": rw,
                }
                values = _resident_values(row)
                if relationship == "KEPALA KELUARGA":
                    father_nik = nik
                elif relationship == "ISTRI":
                    mother_nik = nik
                else:
                    values["father_nik"], values["mother_nik"] = father_nik, mother_nik
                values["religion"] = rng.choice(("KRISTEN", "ISLAM", "KATHOLIK", "BUDHA"))
                values.update(_kk_line(values, parents, wedding, seed=seed, surname=surname, reference=today))
                batch.append(values)
                created += 1
            if len(batch) >= 5000:
                uow.session.execute(insert(Resident), batch)
                batch = []
        if batch:
            uow.session.execute(insert(Resident), batch)
        uow.commit()
    return created


def _wedding(members: list[tuple[str, str, date, str]], *, seed: int, kk: str, today: date) -> date | None:
    """A married couple's wedding day: after both turned 18, before their first child and today."""
    if len(members) < 2 or members[1][0] != "ISTRI":
        return None
    rng = random.Random(f"{seed}:wedding:{kk}")
    adult = max(members[0][2], members[1][2]) + timedelta(days=18 * 365)
    latest = min([m[2] for m in members[2:]] + [today]) - timedelta(days=300)
    span = max((latest - adult).days, 1)
    return adult + timedelta(days=rng.randrange(span))


def _kk_line(
    values: dict[str, Any],
    parents: dict[str, str],
    wedding: date | None,
    *,
    seed: int,
    surname: str,
    reference: date,
) -> dict[str, Any]:
    """The rest of a synthetic KK line: education, occupation, blood type, parents' names (a child's
    are the couple on the KK; a spouse's own are drawn) and the wedding day."""
    relationship = values["family_relationship"]
    drawn = kk_fields.synthetic(
        values["nik"], seed=seed, born=values["birth_date"], relationship=relationship, reference=reference
    )
    if relationship == "ANAK":
        return drawn | {"father_name": parents.get("father"), "mother_name": parents.get("mother")}
    if relationship == "KEPALA KELUARGA":
        parents["father"] = values["full_name"]
    else:
        parents["mother"] = values["full_name"]
    rng = random.Random(f"{seed}:parents:{values['nik']}")
    own_surname = surname if relationship == "KEPALA KELUARGA" else rng.choice(SURNAMES)
    return drawn | {
        "father_name": f"{rng.choice(GIVEN_M)} {own_surname}".upper(),
        "mother_name": f"{rng.choice(GIVEN_F)} {rng.choice(SURNAMES)}".upper(),
        "marriage_date": wedding if values["marital_status"] in MARRIED else None,
    }

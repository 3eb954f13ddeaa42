"""The family card (KK): its current living members rendered into a new document version.

Reusable by every adminduk use case that changes a family (a birth, a death, an application).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from gateway import documents
from gateway.db import UnitOfWork
from gateway.documents import Document
from gateway.errors import NotFound
from gateway.identity import Resident, wilayah
from services.adminduk import wording
from services.adminduk.registry import numbers

KK_KIND = "kk"
KK_TITLE = "KARTU KELUARGA"
# Every member's line as stored (the first eight as before: older versions and their readers keep
# their positions); the PDF draws the real card's two tables from it, each with its own "No".
KK_COLUMNS = [
    "No",
    "NIK",
    "Nama Lengkap",
    "Jenis Kelamin",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Status Hubungan dalam Keluarga",
    "Status Perkawinan",
    "Agama",
    "Pendidikan",
    "Jenis Pekerjaan",
    "Golongan Darah",
    "Tanggal Perkawinan",
    "Kewarganegaraan",
    "No. Paspor",
    "No. KITAS/KITAP",
    "Nama Ayah",
    "Nama Ibu",
]
KK_SECTIONS = [
    {
        "title": "",
        "columns": [
            "Nama Lengkap",
            "NIK",
            "Jenis Kelamin",
            "Tempat Lahir",
            "Tanggal Lahir",
            "Agama",
            "Pendidikan",
            "Jenis Pekerjaan",
            "Golongan Darah",
        ],
    },
    {
        "title": "",
        "columns": [
            "Status Perkawinan",
            "Tanggal Perkawinan",
            "Status Hubungan dalam Keluarga",
            "Kewarganegaraan",
            "No. Paspor",
            "No. KITAS/KITAP",
            "Nama Ayah",
            "Nama Ibu",
        ],
    },
]
# The order members are listed on a real KK: head first, then spouse, children by age, others.
RELATIONSHIP_ORDER = {
    "KEPALA KELUARGA": 0,
    "SUAMI": 1,
    "ISTRI": 2,
    "ANAK": 3,
    "MENANTU": 4,
    "CUCU": 5,
    "ORANG TUA": 6,
    "MERTUA": 7,
    "FAMILI LAIN": 8,
    "PEMBANTU": 9,
    "LAINNYA": 10,
}


def kk_series_key(kk_number: str) -> str:
    return f"kk:{kk_number}"


def living_members(uow: UnitOfWork, kk_number: str) -> list[Resident]:
    """The KK's members who are alive and still live in the city, in KK order."""
    assert uow.session is not None
    members = list(
        uow.session.scalars(
            select(Resident).where(
                Resident.kk_number == kk_number,
                Resident.is_deceased.is_(False),
                Resident.moved_out_at.is_(None),
            )
        )
    )
    return sorted(
        members,
        key=lambda r: (RELATIONSHIP_ORDER.get(r.family_relationship, 99), r.birth_date, r.birth_order, r.nik),
    )


def head_of(members: Sequence[Resident]) -> Resident | None:
    return next((m for m in members if m.family_relationship == "KEPALA KELUARGA"), None) or (
        members[0] if members else None
    )


def head_name(fields: Sequence[Sequence[str]]) -> str | None:
    """The head of family printed on an issued KK version (its 'Nama Kepala Keluarga' field)."""
    return next((row[1] for row in fields if row[0] == "Nama Kepala Keluarga" and row[1] != "-"), None)


def kk_document_fields(*, kk_number: str, members: Sequence[Resident]) -> list[list[str]]:
    """The header of a KK: number, head of family and the family's address, as printed on the card."""
    head = head_of(members)
    kelurahan = head.kelurahan_code if head else ""
    return [
        ["Nomor KK", kk_number],
        ["Nama Kepala Keluarga", head.full_name if head else "-"],
        ["Alamat", head.address if head else "-"],
        ["RT/RW", f"{head.rt}/{head.rw}" if head else "-"],
        ["Desa/Kelurahan", (wilayah.name_of(kelurahan) or "-").upper() if kelurahan else "-"],
        ["Kecamatan", (wilayah.name_of(kelurahan[:8]) or "-").upper() if kelurahan else "-"],
        ["Kabupaten/Kota", wording.KOTA],
        ["Provinsi", wording.PROVINCE],
    ]


def kk_table(members: Sequence[Resident]) -> dict[str, Any]:
    """The member table of a KK; an unnamed newborn shows as 'BAYI NY. <mother>'."""
    names = {m.nik: m.full_name for m in members}
    rows = [
        [
            str(i),
            m.nik,
            wording.display_name(m.full_name, names.get(m.mother_nik or "")),
            wording.SEX.get(m.sex, m.sex),
            m.birth_place,
            wording.tanggal(m.birth_date),
            m.family_relationship,
            m.marital_status,
            m.religion or "-",
            m.education or "-",
            m.occupation or "-",
            m.blood_type or "TIDAK TAHU",
            wording.tanggal(m.marriage_date) if m.marriage_date else "-",
            m.citizenship or "WNI",
            m.passport_number or "-",
            m.kitas_number or "-",
            m.father_name or names.get(m.father_nik or "") or "-",
            m.mother_name or names.get(m.mother_nik or "") or "-",
        ]
        for i, m in enumerate(members, start=1)
    ]
    return {"columns": list(KK_COLUMNS), "rows": rows, "page": "a4-landscape", "sections": KK_SECTIONS}


def kk_public(*, kk_number: str, members: Sequence[Resident]) -> dict[str, Any]:
    head = head_of(members)
    return {
        "nomor_kk": wording.masked(kk_number),
        "kepala_keluarga": wording.initials(head.full_name if head else None),
    }


def issue_kk_version(uow: UnitOfWork, *, kk_number: str, reason: str) -> Document:
    """Issue the next version of a family's KK from the registry as it is now (the old one: replaced).

    Runs in the caller's transaction. Concurrent changes of one family are serialised on a counter
    row, so each version lists every member committed before it.
    """
    numbers.lock(uow, f"kkver:{kk_number}")
    members = living_members(uow, kk_number)
    if not members:
        raise NotFound("No living member on this KK", reason="kk_without_members")
    fields = kk_document_fields(kk_number=kk_number, members=members)
    fields.append(["Keterangan", reason])
    return documents.issue(
        uow,
        kind=KK_KIND,
        number=kk_number,
        title=KK_TITLE,
        fields=fields,
        table=kk_table(members),
        public=kk_public(kk_number=kk_number, members=members),
        owner_resident_ids=[m.id for m in members],
        series_key=kk_series_key(kk_number),
        authority=wording.AUTHORITY,
    )

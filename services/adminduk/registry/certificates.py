"""Akta kelahiran, KIA and akta kematian: their printed fields and public data, issued as documents."""

from __future__ import annotations

from datetime import date

from gateway import documents
from gateway.db import UnitOfWork
from gateway.documents import Document
from gateway.identity import Resident, wilayah
from services.adminduk import wording
from services.adminduk.births.models import Birth
from services.adminduk.deaths.models import Death

AKTA_LAHIR = "akta_kelahiran"
KIA = "kia"
AKTA_MATI = "akta_kematian"


def akta_series(resident_id: str) -> str:
    return f"{AKTA_LAHIR}:{resident_id}"


def kia_series(resident_id: str) -> str:
    return f"{KIA}:{resident_id}"


def _public(resident: Resident, name: str) -> dict[str, str]:
    return {"nama": wording.initials(name), "nik": wording.masked(resident.nik)}


def issue_akta_kelahiran(
    uow: UnitOfWork, *, birth: Birth, child: Resident, mother: Resident, father: Resident | None, on: date
) -> Document:
    """KUTIPAN AKTA KELAHIRAN. Unmarried parents (per the registry): the mother only (UU 24/2013)."""
    name = wording.display_name(child.full_name, mother.full_name)
    sex = wording.SEX[child.sex]
    married = bool(birth.parents_married and father is not None)
    ordinal = birth.child_ordinal or 1
    if married:
        assert father is not None
        statement = (
            f"Bahwa di {child.birth_place} pada tanggal {wording.tanggal_terbilang(child.birth_date)} telah lahir "
            f"{name}, anak {wording.ke(ordinal)}, {sex.lower()} dari suami-istri "
            f"{father.full_name} dan {mother.full_name}"
        )
    else:
        statement = (
            f"Bahwa di {child.birth_place} pada tanggal {wording.tanggal_terbilang(child.birth_date)} telah lahir "
            f"{name}, anak {wording.ke(ordinal)}, {sex.lower()} dari ibu {mother.full_name}"
        )
    fields = [
        ["Nomor Induk Kependudukan", child.nik],
        ["Nama", name],
        ["Tempat Lahir", child.birth_place],
        ["Tanggal Lahir", wording.tanggal(child.birth_date)],
        ["Jenis Kelamin", sex],
        ["Anak ke-", f"{ordinal} ({wording.terbilang(ordinal)})"],
        ["Nama Ibu", mother.full_name],
    ]
    if married:
        assert father is not None
        fields.append(["Nama Ayah", father.full_name])
    fields += [
        ["Keterangan", statement],
        ["Dikeluarkan di", wording.CITY],
        ["Tanggal", wording.tanggal(on)],
        ["Pejabat", wording.OFFICIAL],
    ]
    owners = [child.id, mother.id] + ([father.id] if married and father else [])
    assert birth.akta_number
    return documents.issue(
        uow,
        kind=AKTA_LAHIR,
        number=birth.akta_number,
        title="KUTIPAN AKTA KELAHIRAN",
        fields=fields,
        public=_public(child, name),
        owner_resident_ids=owners,
        subject_resident_id=child.id,
        series_key=akta_series(child.id),
        authority=wording.AUTHORITY,
    )


def issue_kia(
    uow: UnitOfWork,
    *,
    child: Resident,
    mother: Resident,
    father: Resident | None,
    akta_number: str,
    head_name: str,
    on: date,
) -> Document:
    """KARTU IDENTITAS ANAK: number = the child's NIK; valid until the day before the 17th birthday."""
    name = wording.display_name(child.full_name, mother.full_name)
    try:
        seventeen = child.birth_date.replace(year=child.birth_date.year + 17)
    except ValueError:  # born on 29 February
        seventeen = date(child.birth_date.year + 17, 3, 1)
    kelurahan = wilayah.name_of(child.kelurahan_code) or "-"
    kecamatan = wilayah.name_of(child.kelurahan_code[:8]) or "-"
    fields = [
        ["NIK", child.nik],
        ["Nama", name],
        ["Tempat/Tgl Lahir", f"{child.birth_place}, {wording.tanggal(child.birth_date)}"],
        ["Jenis Kelamin", wording.SEX[child.sex]],
        ["No. KK", child.kk_number],
        ["Nama Kepala Keluarga", head_name],
        ["No. Akta Kelahiran", akta_number],
        ["Agama", child.religion or "-"],
        ["Kewarganegaraan", child.citizenship or "WNI"],
        ["Alamat", f"{child.address} RT {child.rt}/RW {child.rw}"],
        ["Kel/Desa", kelurahan.upper()],
        ["Kecamatan", kecamatan.upper()],
        ["Berlaku Hingga", wording.tanggal(date.fromordinal(seventeen.toordinal() - 1))],
        ["Dikeluarkan di", wording.CITY],
        ["Tanggal", wording.tanggal(on)],
    ]
    owners = [child.id, mother.id] + ([father.id] if father else [])
    return documents.issue(
        uow,
        kind=KIA,
        number=child.nik,
        title="KARTU IDENTITAS ANAK",
        fields=fields,
        table={"page": "id1"},  # an ID-1 card, front and back
        public=_public(child, name),
        owner_resident_ids=owners,
        subject_resident_id=child.id,
        series_key=kia_series(child.id),
        authority=wording.AUTHORITY,
    )


def issue_akta_kematian(
    uow: UnitOfWork, *, death: Death, deceased: Resident, family_ids: list[str], on: date, local_time: str
) -> Document:
    """KUTIPAN AKTA KEMATIAN, owned by the deceased's family on the KK."""
    assert death.akta_number
    statement = (
        f"Bahwa di {death.place} pada tanggal {wording.tanggal_terbilang(death.death_date)} pukul {local_time} WIB "
        f"telah meninggal dunia {deceased.full_name}"
    )
    fields = [
        ["Nomor Induk Kependudukan", deceased.nik],
        ["Nama", deceased.full_name],
        ["Tempat Lahir", deceased.birth_place],
        ["Tanggal Lahir", wording.tanggal(deceased.birth_date)],
        ["Jenis Kelamin", wording.SEX.get(deceased.sex, deceased.sex)],
        ["Tanggal Kematian", wording.tanggal(death.death_date)],
        ["Pukul", f"{local_time} WIB"],
        ["Tempat Kematian", death.place],
        ["Keterangan", statement],
        ["Dikeluarkan di", wording.CITY],
        ["Tanggal", wording.tanggal(on)],
        ["Pejabat", wording.OFFICIAL],
    ]
    return documents.issue(
        uow,
        kind=AKTA_MATI,
        number=death.akta_number,
        title="KUTIPAN AKTA KEMATIAN",
        fields=fields,
        public=_public(deceased, deceased.full_name),
        owner_resident_ids=[deceased.id, *family_ids],
        subject_resident_id=deceased.id,
        series_key=f"{AKTA_MATI}:{deceased.id}",
        authority=wording.AUTHORITY,
    )

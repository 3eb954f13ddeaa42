"""What an approval changes in the registry, and the documents it issues, in the approval's transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway import documents
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.documents import Document
from gateway.errors import Conflict
from gateway.identity import Resident, wilayah
from gateway.identity.service import resident_by_nik
from gateway.kernel.clock import local_today
from services.adminduk import wording
from services.adminduk.applications.models import (
    Application,
)
from services.adminduk.applications.service.checks import current_document
from services.adminduk.applications.service.common import (
    HEAD,
    KIA_AGE_LIMIT,
    REPRINT_FIELD,
    SKPWNI_KIND,
    SKPWNI_TEMPLATE,
    SKPWNI_TITLE,
    as_date,
)
from services.adminduk.common import age_on
from services.adminduk.registry import certificates, family, numbers


def apply(
    uow: UnitOfWork,
    application: Application,
    *,
    applicant: Resident,
    subject: Resident,
    details: dict[str, Any],
    principal: Principal,
) -> list[Document]:
    ref = application.tracking_number
    if application.kind == "kk_change":
        return _apply_kk_change(uow, application, applicant=applicant, subject=subject, details=details)
    if application.kind == "reprint":
        return [_apply_reprint(uow, applicant=applicant, subject=subject, details=details, ref=ref)]
    return _apply_move_out(uow, applicant=applicant, details=details, ref=ref)


def _apply_kk_change(
    uow: UnitOfWork,
    application: Application,
    *,
    applicant: Resident,
    subject: Resident,
    details: dict[str, Any],
) -> list[Document]:
    ref = application.tracking_number
    change = details["change"]
    if change == "address":
        members = family.living_members(uow, applicant.kk_number)
        for member in members:
            member.kelurahan_code = details["kelurahan_code"]
            member.address = details["address"]
            member.rt = details["rt"]
            member.rw = details["rw"]
        session_of(uow).flush()
        kk = family.issue_kk_version(
            uow,
            kk_number=applicant.kk_number,
            reason=f"Perubahan alamat: {details['address']} RT {details['rt']}/RW {details['rw']}, "
            f"Kel. {details['kelurahan']} ({ref})",
        )
        # The KIA prints the child's address: children holding one get a new version too.
        head = next((row[1] for row in kk.fields if row[0] == "Nama Kepala Keluarga"), "-")
        return [kk, *_reissue_kias(uow, members, head_name=head)]
    name = subject.full_name
    if change == "occupation":
        subject.occupation = details["occupation"]
        reason = f"Perubahan pekerjaan {name}: {details['occupation']} ({ref})"
    elif change == "education":
        subject.education = details["education"]
        reason = f"Perubahan pendidikan {name}: {details['education']} ({ref})"
    else:
        subject.marital_status = details["marital_status"]
        married_on = as_date(details["marriage_date"])
        assert married_on is not None
        reason = (
            f"Perubahan status perkawinan {name}: {details['marital_status']}, "
            f"akta perkawinan {details['marriage_certificate_number']} tgl {wording.tanggal(married_on)} ({ref})"
        )
    session_of(uow).flush()
    return [family.issue_kk_version(uow, kk_number=applicant.kk_number, reason=reason)]


def _reissue_kias(uow: UnitOfWork, members: list[Resident], *, head_name: str) -> list[Document]:
    out = []
    today = local_today()
    for child in members:
        current = current_document(uow, certificates.kia_series(child.id))
        if current is None or age_on(child.birth_date, today) >= KIA_AGE_LIMIT:
            continue
        mother = resident_by_nik(uow, child.mother_nik) if child.mother_nik else None
        if mother is None:
            continue
        father = resident_by_nik(uow, child.father_nik) if child.father_nik else None
        akta_number = dict(current.fields).get("No. Akta Kelahiran", "-")
        out.append(
            certificates.issue_kia(
                uow,
                child=child,
                mother=mother,
                father=father,
                akta_number=akta_number,
                head_name=head_name,
                on=today,
            )
        )
    return out


def _apply_reprint(
    uow: UnitOfWork, *, applicant: Resident, subject: Resident, details: dict[str, Any], ref: str
) -> Document:
    """A lost document printed again: the next version of the same series (the lost one: replaced)."""
    today = local_today()
    note = (
        f"Pengganti dokumen hilang, surat keterangan kehilangan No. {details['police_report_number']}; "
        f"dicetak ulang {wording.tanggal(today)} ({ref})"
    )
    if details["document"] == "kk":
        return family.issue_kk_version(uow, kk_number=applicant.kk_number, reason=f"Cetak ulang: {note}")
    series = (
        certificates.akta_series(subject.id)
        if details["document"] == "akta_kelahiran"
        else certificates.kia_series(subject.id)
    )
    current = current_document(uow, series)
    if current is None:
        raise Conflict("The document to reprint is no longer valid", reason="document_not_current")
    fields = [list(row) for row in current.fields if row[0] != REPRINT_FIELD] + [[REPRINT_FIELD, note]]
    return documents.issue(
        uow,
        kind=current.kind,
        number=current.number,
        title=current.title,
        fields=fields,
        table=current.table,
        public=dict(current.public or {}),
        owner_resident_ids=list(current.owner_resident_ids or []),
        subject_resident_id=current.subject_resident_id,
        series_key=current.series_key,
        authority=current.authority,
    )


def _destination(details: dict[str, Any]) -> str:
    """Where the movers go, as the SKPWNI names it (a kecamatan with its city)."""
    destination = details["destination_region"]
    if details["destination_level"] == "kecamatan":
        city = wilayah.name_of(details["destination_region_code"][:5]) or ""
        destination = f"Kec. {destination}, {city}"
    return destination


def _issue_skpwni(
    uow: UnitOfWork,
    *,
    applicant: Resident,
    head: Resident | None,
    movers: list[Resident | None],
    details: dict[str, Any],
    number: str,
    destination: str,
    on: date,
) -> Document:
    """The Surat Keterangan Pindah WNI: origin (the head's address), destination, the movers."""
    today, kk_number = on, applicant.kk_number
    origin = head or applicant
    kelurahan = wilayah.name_of(origin.kelurahan_code) or "-"
    kecamatan = wilayah.name_of(origin.kelurahan_code[:8]) or "-"
    first = movers[0]
    assert first is not None
    return documents.issue(
        uow,
        kind=SKPWNI_KIND,
        number=number,
        title=SKPWNI_TITLE,
        fields=[
            ["Nomor", number],
            ["Nomor Kartu Keluarga", kk_number],
            ["Nama Kepala Keluarga", head.full_name if head else "-"],
            ["NIK Pemohon", applicant.nik],
            ["Nama Pemohon", applicant.full_name],
            ["Alamat Asal", f"{origin.address} RT {origin.rt}/RW {origin.rw}"],
            ["Kelurahan/Kecamatan Asal", f"{kelurahan.upper()} / {kecamatan.upper()}"],
            ["Kabupaten/Kota Asal", wording.KOTA],
            ["Provinsi Asal", wording.PROVINCE],
            ["Alasan Pindah", details["reason"].upper()],
            ["Alamat Tujuan", details["destination_address"]],
            ["Daerah Tujuan", f"{destination.upper()} ({details['destination_region_code']})"],
            ["Jumlah Keluarga yang Pindah", f"{len(movers)} ({wording.terbilang(len(movers))}) orang"],
            ["Dikeluarkan di", wording.CITY],
            ["Tanggal", wording.tanggal(today)],
            ["Pejabat", wording.OFFICIAL],
        ],
        table={
            "columns": ["No", "NIK", "Nama Lengkap", "Hubungan dalam Keluarga"],
            "rows": [
                [str(i), m.nik, m.full_name, m.family_relationship] for i, m in enumerate(movers, 1) if m
            ],
        },
        public={
            "nama": wording.initials(first.full_name),
            "nik": wording.masked(first.nik),
            "jumlah_pindah": len(movers),
            "tujuan": details["destination_region_code"],
        },
        owner_resident_ids=[*(m.id for m in movers if m), applicant.id],
        subject_resident_id=first.id,
        series_key=f"{SKPWNI_KIND}:{number}",
        authority=wording.AUTHORITY,
    )


def _apply_move_out(
    uow: UnitOfWork, *, applicant: Resident, details: dict[str, Any], ref: str
) -> list[Document]:
    """SKPWNI for the movers; they leave the registry of the city and the KK (a new version, or none left)."""
    today = local_today()
    kk_number = applicant.kk_number
    movers = [resident_by_nik(uow, nik) for nik in details["member_niks"]]
    assert all(movers)
    head = family.head_of(family.living_members(uow, kk_number))
    number = numbers.akta_number(
        uow, template=SKPWNI_TEMPLATE, kind="SKPWNI", kabkota=numbers.kabkota_code(), on=today
    )
    destination = _destination(details)
    skpwni = _issue_skpwni(
        uow,
        applicant=applicant,
        head=head,
        movers=movers,
        details=details,
        number=number,
        destination=destination,
        on=today,
    )
    for mover in movers:
        assert mover is not None
        mover.moved_out_at = today
    if details.get("new_head_nik"):
        heir = resident_by_nik(uow, details["new_head_nik"])
        assert heir is not None
        heir.family_relationship = HEAD
    session_of(uow).flush()
    docs = [skpwni]
    if family.living_members(uow, kk_number):
        docs.append(
            family.issue_kk_version(
                uow,
                kk_number=kk_number,
                reason=f"Pengurangan anggota keluarga: pindah ke {destination.upper()} (SKPWNI {number})",
            )
        )
    else:
        # The whole family left: the card is withdrawn (they get a new one at the destination).
        current = current_document(uow, family.kk_series_key(kk_number))
        if current is not None:
            documents.revoke(
                uow, document_id=current.id, reason=f"Seluruh anggota keluarga pindah (SKPWNI {number})"
            )
    return docs

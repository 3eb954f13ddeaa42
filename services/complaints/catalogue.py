"""The seeded catalogue of complaint categories for Pematang Siantar (each one an Open311 service)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.db import UnitOfWork
from services.complaints.models import ComplaintCategory

DESK_OPD = "DISKOMINFO"  # the city's complaint desk triages every complaint and owns "lainnya"
OTHER = "lainnya"
EMERGENCY_CODES = ("kebakaran", "kejahatan", "gawat_darurat")


def _attr(code: str, description: str, datatype: str = "string", required: bool = False, **kw: Any) -> dict:
    values = [{"key": k, "name": v} for k, v in kw.pop("values", [])]
    return {
        "code": code,
        "datatype": datatype,
        "required": required,
        "description": description,
        "values": values,
        **kw,
    }


SIZE = _attr(
    "ukuran",
    "Seberapa besar kerusakannya?",
    "singlevaluelist",
    True,
    values=[("kecil", "Kecil (< 30 cm)"), ("sedang", "Sedang (30–100 cm)"), ("besar", "Besar (> 1 m)")],
)

# code, name, group, OPD, verify days, answer days, keywords, attributes, description
CATEGORIES: tuple[tuple[str, str, str, str, int, int, tuple[str, ...], list[dict], str], ...] = (
    (
        "jalan_rusak",
        "Jalan rusak / berlubang",
        "Infrastruktur",
        "DINAS_PUTR",
        1,
        3,
        ("berlubang", "lubang", "aspal", "retak", "amblas", "jalan rusak"),
        [SIZE],
        "Lubang, retak atau amblas pada jalan kota.",
    ),
    (
        "drainase_banjir",
        "Drainase tersumbat / banjir",
        "Infrastruktur",
        "DINAS_PUTR",
        1,
        3,
        ("banjir", "parit", "drainase", "selokan", "genangan", "tersumbat", "gorong"),
        [],
        "Parit atau gorong-gorong tersumbat, genangan dan banjir.",
    ),
    (
        "sampah",
        "Sampah tidak diangkut",
        "Lingkungan",
        "DLH",
        1,
        2,
        ("sampah", "tps", "bau", "limbah"),
        [],
        "Sampah menumpuk, TPS penuh, pembuangan liar.",
    ),
    (
        "lampu_jalan",
        "Lampu penerangan jalan mati",
        "Infrastruktur",
        "DISHUB",
        1,
        3,
        ("lampu", "pju", "penerangan", "gelap", "padam"),
        [_attr("nomor_tiang", "Nomor tiang lampu (tertulis pada tiang)", "string", False)],
        "Lampu penerangan jalan umum mati atau berkedip.",
    ),
    (
        "air_pdam",
        "Air PDAM mati / bocor",
        "Utilitas",
        "PDAM_TIRTAULI",
        1,
        2,
        ("pdam", "air", "pipa", "bocor", "keruh"),
        [_attr("nomor_pelanggan", "Nomor sambungan pelanggan PDAM", "string", False)],
        "Air tidak mengalir, keruh, atau pipa bocor.",
    ),
    (
        "parkir_liar",
        "Parkir liar / juru parkir",
        "Ketertiban",
        "DISHUB",
        1,
        3,
        ("parkir", "jukir", "juru"),
        [],
        "Parkir liar, juru parkir tanpa karcis atau tarif tidak resmi.",
    ),
    (
        "ketertiban_umum",
        "Ketertiban umum",
        "Ketertiban",
        "SATPOL_PP",
        1,
        3,
        ("pkl", "pedagang", "trotoar", "bising", "ketertiban", "reklame", "spanduk"),
        [],
        "Pedagang di trotoar, reklame liar, gangguan ketertiban.",
    ),
    (
        "layanan_kesehatan",
        "Layanan kesehatan",
        "Layanan publik",
        "DINKES",
        1,
        3,
        ("puskesmas", "bpjs", "dokter", "obat", "kesehatan"),
        [],
        "Pelayanan puskesmas, rumah sakit daerah, obat.",
    ),
    (
        "bantuan_sosial",
        "Bantuan sosial",
        "Layanan publik",
        "DINSOS",
        1,
        5,
        ("bansos", "bantuan", "pkh", "sembako", "dtks"),
        [],
        "Bantuan sosial tidak tepat sasaran atau tidak diterima.",
    ),
    (
        "dokumen_kependudukan",
        "Dokumen kependudukan",
        "Layanan publik",
        "DISDUKCAPIL",
        1,
        3,
        ("ktp", "kk", "akta", "kia", "disdukcapil", "e-ktp"),
        [],
        "KTP-el, KK, akta dan KIA.",
    ),
    (
        "perizinan",
        "Perizinan",
        "Layanan publik",
        "DPMPTSP",
        1,
        5,
        ("izin", "perizinan", "nib", "pbg", "imb", "oss"),
        [],
        "Layanan perizinan dan non-perizinan.",
    ),
    (
        "pohon_taman",
        "Pohon tumbang / taman",
        "Lingkungan",
        "DLH",
        1,
        2,
        ("pohon", "tumbang", "dahan", "taman", "ranting"),
        [
            _attr(
                "menghalangi_jalan",
                "Apakah pohon menghalangi jalan?",
                "singlevaluelist",
                False,
                values=[("ya", "Ya"), ("tidak", "Tidak")],
            )
        ],
        "Pohon tumbang atau rawan tumbang, taman kota rusak.",
    ),
    (
        "bencana",
        "Bencana (longsor, angin puting beliung)",
        "Darurat non-112",
        "BPBD",
        1,
        1,
        ("longsor", "bencana", "puting", "beliung", "gempa"),
        [],
        "Longsor, angin puting beliung dan kerusakan akibat bencana.",
    ),
    (
        OTHER,
        "Lainnya",
        "Lainnya",
        DESK_OPD,
        1,
        3,
        (),
        [],
        "Pengaduan lain; meja pengaduan kota meneruskannya ke OPD yang tepat.",
    ),
    # Emergencies are not complaints: filing one answers "call 112".
    (
        "kebakaran",
        "Kebakaran (hubungi 112)",
        "Darurat",
        "DAMKAR",
        0,
        0,
        ("kebakaran", "api", "terbakar"),
        [],
        "",
    ),
    (
        "kejahatan",
        "Kejahatan (hubungi 112)",
        "Darurat",
        "SATPOL_PP",
        0,
        0,
        ("maling", "rampok", "begal"),
        [],
        "",
    ),
    (
        "gawat_darurat",
        "Gawat darurat medis (hubungi 112)",
        "Darurat",
        "DINKES",
        0,
        0,
        ("ambulans", "pingsan", "kecelakaan"),
        [],
        "",
    ),
)


def seed_reference(uow: UnitOfWork) -> None:
    """Insert or refresh the catalogue (safe to run again)."""
    assert uow.session is not None
    have = {c.code: c for c in uow.session.scalars(select(ComplaintCategory))}
    for order, (code, name, group, opd, verify, answer, words, attrs, desc) in enumerate(CATEGORIES):
        row = have.get(code) or ComplaintCategory(code=code)
        row.name, row.group, row.opd_code = name, group, opd
        row.verify_days, row.answer_days = verify, answer
        row.keywords, row.attributes, row.description = (
            list(words),
            [{**a, "order": i + 1} for i, a in enumerate(attrs)],
            desc,
        )
        row.emergency = code in EMERGENCY_CODES
        row.sort = order
        row.active = True
        if code not in have:
            uow.session.add(row)

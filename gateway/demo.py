"""Demo data for `make run`: agencies, staff, a hospital client and a demo family with accounts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gateway.db import UnitOfWork
from gateway.identity import registry, staff
from gateway.identity.models import CitizenAccount, MachineClient, Resident, Staff
from gateway.identity.passwords import hash_password

DEMO_PASSWORD = "siantar-demo-2026"
HOSPITAL_CLIENT_ID = "rsud-djasamen"
HOSPITAL_CLIENT_SECRET = "demo-hospital-secret"  # demo only; production clients get random secrets
COUNTER_CLIENT_ID = "open311-demo"
COUNTER_CLIENT_SECRET = "demo-open311-secret"

# A married couple in Kelurahan Kebun Sayur (Siantar Timur) — the family of DESIGN.md's birth journey.
FAMILY_KK = "1272011501209001"
FAMILY = (
    dict(
        nik="1272010807929001",
        full_name="BUDI SANTOSO SIMANJUNTAK",
        sex="L",
        birth_date=date(1992, 7, 8),
        family_relationship="KEPALA KELUARGA",
        marital_status="KAWIN",
        phone="+6281260000001",
        kk=dict(
            education="DIPLOMA IV/STRATA I",
            occupation="KARYAWAN SWASTA",
            blood_type="O",
            marriage_date=date(2019, 6, 15),
            father_name="HOTMAN SIMANJUNTAK",
            mother_name="ROSMAWATI DAMANIK",
        ),
    ),
    dict(
        nik="1272015203959001",
        full_name="SITI RAHMA SIREGAR",
        sex="P",
        birth_date=date(1995, 3, 12),
        family_relationship="ISTRI",
        marital_status="KAWIN",
        phone="+6281260000002",
        kk=dict(
            education="AKADEMI/DIPLOMA III/S. MUDA",
            occupation="PERAWAT",
            blood_type="A",
            marriage_date=date(2019, 6, 15),
            father_name="AHMAD SIREGAR",
            mother_name="NURHAYATI LUBIS",
        ),
    ),
    dict(
        nik="1272015005489001",
        full_name="ROSMAWATI DAMANIK",
        sex="P",
        birth_date=date(1948, 5, 10),
        family_relationship="ORANG TUA",
        marital_status="CERAI MATI",
        phone=None,
        kk=dict(
            education="TAMAT SD/SEDERAJAT",
            occupation="MENGURUS RUMAH TANGGA",
            blood_type="B",
            marriage_date=date(1968, 2, 3),
            father_name="JAHUTAR DAMANIK",
            mother_name="TIOMINA SARAGIH",
        ),
    ),
)
# Residents of the synthetic population (seed 1272, ages counted from registry.POPULATION_REFERENCE_DATE)
# that the guides use by NIK: the same on every machine and every day (a test checks each one).
POPULATION_EXAMPLES = (
    dict(
        nik="1272015705910001",
        full_name="ROMAULI HOTMA NAINGGOLAN",
        sex="P",
        birth_date=date(1991, 5, 17),
        role="a married mother whose hospital reports a birth late (officer guide)",
    ),
    dict(
        nik="1272022109590001",
        full_name="MARULI SANTOSO",
        sex="L",
        birth_date=date(1959, 9, 21),
        role="a head of family whose death the hospital reports (hospital guide)",
    ),
)
STAFF = (
    ("admin", "Administrator Kota", "admin", None, None),
    ("dukcapil.officer", "Petugas Disdukcapil", "officer", "DISDUKCAPIL", None),
    ("putr.officer", "Petugas Dinas PUTR", "officer", "DINAS_PUTR", None),
    ("putr.head", "Kepala Dinas PUTR", "officer", "DINAS_PUTR", "head"),
    ("dlh.officer", "Petugas DLH", "officer", "DLH", None),
    ("desk.officer", "Petugas Meja Pengaduan", "officer", "DISKOMINFO", "complaint_desk"),
    ("sekda", "Sekretaris Daerah", "officer", "SETDA", "city_secretary"),
    ("dpmptsp.officer", "Petugas DPMPTSP", "officer", "DPMPTSP", None),
    ("dpmptsp.head", "Kepala DPMPTSP", "officer", "DPMPTSP", "head"),
    ("counter.mpp", "Petugas Loket Mall Pelayanan Publik", "counter", None, None),
    ("jukir.01", "Juru Parkir Jl. Sutomo", "attendant", None, None),
    ("keuangan", "Petugas Keuangan Daerah", "finance", None, None),
    ("dishub.officer", "Petugas Dishub (parkir dan penegakan)", "officer", "DISHUB", None),
)
# Staff whom the clock's escalations reach by SMS (read them with `flask outbox --to …`).
STAFF_PHONES = {"dpmptsp.head": "+6281260000101"}


def _seed_family() -> None:
    """The demo family (the guides' parents and grandmother), with app accounts where they have a phone."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        staff.seed_reference(uow)
        for member in FAMILY:
            if uow.session.scalar(select(Resident.id).where(Resident.nik == member["nik"])) is None:
                resident = Resident(
                    nik=member["nik"],
                    kk_number=FAMILY_KK,
                    full_name=member["full_name"],
                    sex=member["sex"],
                    birth_place="PEMATANGSIANTAR",
                    birth_date=member["birth_date"],
                    family_relationship=member["family_relationship"],
                    marital_status=member["marital_status"],
                    religion="ISLAM",
                    kelurahan_code="12.72.01.1001",
                    address="Jl. Sutomo No. 12",
                    rt="003",
                    rw="001",
                    citizenship="WNI",
                    **member["kk"],
                )
                uow.session.add(resident)
                uow.session.flush()
                if member["phone"]:
                    uow.session.add(
                        CitizenAccount(
                            resident_id=resident.id,
                            phone=member["phone"],
                            password_hash=hash_password(DEMO_PASSWORD),
                        )
                    )
        uow.commit()


def _seed_staff() -> None:
    """The demo staff of each OPD (one login per role the guides use)."""
    for username, name, role, opd, position in STAFF:
        with UnitOfWork() as uow:
            assert uow.session is not None
            exists = uow.session.scalar(select(Staff.id).where(Staff.username == username))
        if not exists:
            member = staff.create_staff(
                UnitOfWork(),
                username=username,
                full_name=name,
                role=role,
                opd_code=opd,
                position=position,
                password=DEMO_PASSWORD,
                zones=["SUTOMO-1"] if role == "attendant" else [],
            )
            if username in STAFF_PHONES:
                with UnitOfWork() as uow:
                    assert uow.session is not None
                    uow.session.get(Staff, member.id).phone = STAFF_PHONES[username]  # type: ignore[union-attr]
                    uow.commit()


def _seed_clients() -> None:
    """The demo hospital system and the Open311 client."""
    for client_id, secret, name, scopes, facility in (
        (
            HOSPITAL_CLIENT_ID,
            HOSPITAL_CLIENT_SECRET,
            "RSUD dr. Djasamen Saragih SIMRS",
            ["births:write", "deaths:write"],
            "1272011",
        ),
        (COUNTER_CLIENT_ID, COUNTER_CLIENT_SECRET, "Open311 demo client", ["open311:write"], None),
    ):
        with UnitOfWork() as uow:
            assert uow.session is not None
            exists = uow.session.scalar(select(MachineClient.id).where(MachineClient.client_id == client_id))
        if not exists:
            staff.create_client(
                UnitOfWork(),
                name=name,
                scopes=scopes,
                facility_code=facility,
                client_id=client_id,
                client_secret=secret,
            )


def seed_demo(population: int = 2000) -> list[str]:
    """Idempotent: creates only what is missing; returns the lines to print."""
    _seed_family()
    _seed_staff()
    _seed_clients()
    with UnitOfWork() as uow:
        assert uow.session is not None
        have = uow.session.scalar(select(func.count()).select_from(Resident)) or 0
    if have < population:
        registry.seed_population(UnitOfWork(), count=population - have)
    return [
        "Demo logins (password for every account: " + DEMO_PASSWORD + ")",
        "  citizen (mother):  username 1272015203959001 or +6281260000002",
        "  citizen (father):  username 1272010807929001 or +6281260000001",
        "  no account:        1272015005489001 (the grandmother; signs up in the mobile guide)",
        *(
            f"  registry only:     {r['nik']} {r['full_name']}, born {r['birth_date']}"
            for r in POPULATION_EXAMPLES
        ),
        "  staff:             admin, dukcapil.officer, putr.officer, putr.head, desk.officer, sekda,",
        "                     dpmptsp.officer, dpmptsp.head, counter.mpp, jukir.01, keuangan, dishub.officer",
        f"  hospital client:   client_id={HOSPITAL_CLIENT_ID} client_secret={HOSPITAL_CLIENT_SECRET} "
        "(scopes births:write deaths:write, facility 1272011)",
        f"  open311 client:    client_id={COUNTER_CLIENT_ID} client_secret={COUNTER_CLIENT_SECRET}",
    ]

"""Births: a facility's report checked against the registry, registered (NIK, akta, KIA, KK) or held
for review; reading, deciding and naming a child."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gateway import audit, events, outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, new_id, session_of
from gateway.documents import Document
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.identity import Resident, wilayah
from gateway.identity.service import subject_resident_id
from gateway.kernel import clock
from gateway.kernel.clock import local_today, local_tz
from services.adminduk import wording
from services.adminduk.births import jobs
from services.adminduk.births.models import Birth
from services.adminduk.common import age_on, is_disdukcapil_officer
from services.adminduk.errors import Problem, ReportRejected
from services.adminduk.events import BIRTH_REGISTERED
from services.adminduk.models import Transition
from services.adminduk.records import (
    document_link,
    documents_by_id,
    held_for_review,
    identity_problems,
    require_disdukcapil_officer,
    require_facility_client,
    transitions_of,
)
from services.adminduk.registry import certificates, family, numbers
from services.adminduk.workflow import move

LATE_REPORT_DAYS = 60


MOTHER_AGE = (10, 60)


# Two births of one mother closer than this (and not on the same day, as twins are) are suspicious.
DUPLICATE_WINDOW_DAYS = 240


CLOCK_SKEW = timedelta(minutes=5)


POSTHUMOUS_DAYS = 300  # a child born this long after the father's death is still his


MARRIED = {"KAWIN", "KAWIN TERCATAT"}


HUSBAND = {"KEPALA KELUARGA", "SUAMI"}


def _birth_moment(report: dict[str, Any]) -> tuple[date, datetime | None]:
    born_at: datetime | None = report.get("born_at")
    if born_at is not None:
        return born_at.astimezone(local_tz()).date(), born_at
    return report["birth_date"], None


def _check_birth_report(
    uow: UnitOfWork, *, facility: str, report: dict[str, Any]
) -> tuple[Resident, Resident | None, list[str], date]:
    """Every rule a report must pass; all problems at once. Returns mother, father, review reasons."""
    problems: list[Problem] = []
    if report.get("facility_code") and report["facility_code"] != facility:
        problems.append(
            Problem(
                403,
                "facility_mismatch",
                "facility_code",
                "The report names another facility than this client's",
            )
        )
    birth_date, born_at = _birth_moment(report)
    today = local_today()
    if (born_at is not None and born_at > clock.now() + CLOCK_SKEW) or birth_date > today:
        problems.append(Problem(422, "birth_in_future", "born_at", "The birth is in the future"))
    father_nik = report.get("father_nik")
    wanted = [n for n in (report["mother_nik"], father_nik) if n]
    people = {r.nik: r for r in session_of(uow).scalars(select(Resident).where(Resident.nik.in_(wanted)))}
    mother = people.get(report["mother_nik"])
    mismatch = (
        identity_problems(
            mother,
            name=report.get("mother_name") or None,
            born=report.get("mother_birth_date"),
            reason="mother_mismatch",
            fields=("mother_name", "mother_birth_date"),
            who="mother",
        )
        if mother is not None
        else []
    )
    if mother is None:
        problems.append(Problem(422, "mother_not_found", "mother_nik", "No resident with the mother's NIK"))
    elif mismatch:
        # Probably a mistyped NIK: the registry facts of whoever holds it are none of the caller's business.
        problems += mismatch
    else:
        if mother.is_deceased:
            problems.append(
                Problem(422, "mother_deceased", "mother_nik", "The mother is registered as deceased")
            )
        if mother.sex != "P":
            problems.append(
                Problem(422, "mother_not_female", "mother_nik", "The mother's NIK belongs to a male resident")
            )
        age = age_on(mother.birth_date, birth_date)
        if not MOTHER_AGE[0] <= age <= MOTHER_AGE[1]:
            problems.append(
                Problem(
                    422,
                    "implausible_mother_age",
                    "mother_nik",
                    f"The mother would be {age} years old at the birth ({MOTHER_AGE[0]}-{MOTHER_AGE[1]} expected)",
                )
            )
    if father_nik and father_nik == report["mother_nik"]:
        problems.append(Problem(422, "father_is_mother", "father_nik", "The father's NIK is the mother's"))
    if problems:
        raise ReportRejected(problems)
    assert mother is not None

    reasons: list[str] = []
    if (today - birth_date).days > LATE_REPORT_DAYS:
        reasons.append("late_report")
    if mother.moved_out_at is not None:
        reasons.append("mother_moved_out")
    father = None
    if father_nik:
        father = people.get(father_nik)
        if father is None:
            reasons.append("father_not_found")
        elif father.sex != "L":
            reasons.append("father_not_male")
        elif father.deceased_at is not None and (birth_date - father.deceased_at).days > POSTHUMOUS_DAYS:
            reasons.append("father_deceased")
    return mother, father, reasons, birth_date


def _given_name(name: str | None) -> str | None:
    """The child's name as reported, or None when the hospital wrote its stand-in ('BY. NY. SITI').

    Taking the stand-in as the legal name would leave the parents only a correction to name the child.
    """
    name = " ".join((name or "").upper().split())
    return None if not name or wording.is_placeholder_name(name) else name


def dedupe_key(mother_nik: str, birth_date: date, order: int) -> str:
    return f"{mother_nik}:{birth_date:%Y%m%d}:{order}"


def _duplicate_of(facility: str, existing_id: str, existing_facility: str | None) -> Conflict:
    """409 duplicate_birth; `existing_id` only when the caller's own facility reported the first one:
    another hospital's record id is none of this one's business (and would confirm who delivered her)."""
    extra = {"existing_id": existing_id} if existing_facility == facility else None
    return Conflict("This birth has already been reported", reason="duplicate_birth", extra=extra)


def _duplicate_reasons(
    uow: UnitOfWork, *, facility: str, mother: Resident, birth_date: date, order: int
) -> tuple[list[str], int]:
    """409 for the same mother, day and order; a review for another birth of hers too close in time.

    Also returns the child's place among the mother's children in the registry ("anak ke-").
    """
    low, high = (
        birth_date - timedelta(days=DUPLICATE_WINDOW_DAYS),
        birth_date + timedelta(days=DUPLICATE_WINDOW_DAYS),
    )
    births = list(
        session_of(uow).execute(
            select(
                Birth.id,
                Birth.birth_date,
                Birth.multiple_birth_order,
                Birth.child_resident_id,
                Birth.facility_code,
            ).where(
                Birth.mother_nik == mother.nik,
                Birth.birth_date.between(low, high),
                Birth.state != "rejected",
            )
        )
    )
    for row in births:
        if row.birth_date == birth_date and row.multiple_birth_order == order:
            raise _duplicate_of(facility, row.id, row.facility_code)
    reasons = []
    if any(row.birth_date != birth_date for row in births):
        reasons.append("possible_duplicate")
    ours = {row.child_resident_id for row in births if row.child_resident_id}
    children = list(
        session_of(uow).execute(
            select(Resident.id, Resident.birth_date).where(Resident.mother_nik == mother.nik)
        )
    )
    close = [c.id for c in children if low <= c.birth_date <= high]
    if "possible_duplicate" not in reasons and any(rid not in ours for rid in close):
        reasons.append("possible_duplicate")
    return reasons, len(children) + 1


def report_birth(
    uow: UnitOfWork, *, principal: Principal, report: dict[str, Any], source: str = "json"
) -> dict[str, Any]:
    """A hospital reports a birth. Clean reports are registered at once (NIK, akta, KIA, KK)."""
    with uow:
        facility = require_facility_client(principal, "births:write")
        mother, father, reasons, birth_date = _check_birth_report(uow, facility=facility, report=report)
        order = report.get("multiple_birth_order") or 1
        more_reasons, ordinal = _duplicate_reasons(
            uow, facility=facility, mother=mother, birth_date=birth_date, order=order
        )
        reasons += more_reasons
        # Added to the session only at the end: one INSERT of the finished row, not an INSERT + UPDATEs.
        birth = Birth(
            id=new_id(),
            tracking_number=numbers.tracking_number("LT", local_today()),
            state="notified",
            source=source,
            facility_code=facility,
            reported_by=principal.id,
            hospital_reference=report["hospital_reference"],
            child_name=_given_name(report.get("child_name")),
            sex=report["sex"],
            birth_date=birth_date,
            born_at=report.get("born_at"),
            birth_place=(report.get("birth_place") or wording.CITY).upper(),
            weight_grams=report.get("weight_grams"),
            length_cm=report.get("length_cm"),
            multiple_birth_order=order,
            attendant=report.get("attendant"),
            mother_nik=mother.nik,
            mother_resident_id=mother.id,
            father_nik=report.get("father_nik"),
            father_resident_id=father.id if father else None,
            dedupe_key=dedupe_key(mother.nik, birth_date, order),
            review_reasons=reasons,
            document_ids=[],
        )
        trail = [move(uow, "birth", birth, "notified", principal, initial=True)]
        # The report read the parents' registry data (and a registration changes the mother's KK).
        _audit_birth(uow, principal, birth, "report:birth", with_child=False)
        docs: list[Document] = []
        if reasons:
            trail.append(move(uow, "birth", birth, "needs_review", principal, ", ".join(reasons)))
        else:
            more, docs = _register_birth(
                uow, birth=birth, mother=mother, father=father, principal=principal, ordinal=ordinal
            )
            trail += more
        session_of(uow).add(birth)
        try:
            uow.commit()
        except IntegrityError:
            # A concurrent request reported the same birth first (the unique dedupe_key): point at it.
            session_of(uow).rollback()
            existing = (
                session_of(uow)
                .execute(select(Birth.id, Birth.facility_code).where(Birth.dedupe_key == birth.dedupe_key))
                .first()
            )
            if existing is None:
                raise
            raise _duplicate_of(facility, existing.id, existing.facility_code) from None
        return birth_view(birth, trail, docs)


def _register_birth(
    uow: UnitOfWork,
    *,
    birth: Birth,
    mother: Resident,
    father: Resident | None,
    principal: Principal | None,
    reason: str | None = None,
    ordinal: int | None = None,
) -> tuple[list[Transition], list[Document]]:
    """One transaction: the newborn in the registry with a fresh NIK, the akta number, akta + KIA + KK."""
    session = session_of(uow)
    region = wilayah.kecamatan_of_kelurahan(mother.kelurahan_code)
    nik = numbers.allocate_nik(uow, region=region, birth_date=birth.birth_date, sex=birth.sex)
    married = bool(
        father is not None
        and father.sex == "L"
        and mother.marital_status in MARRIED
        and father.kk_number == mother.kk_number
        and father.family_relationship in HUSBAND
    )
    if ordinal is None:
        count = select(func.count()).select_from(Resident).where(Resident.mother_nik == mother.nik)
        ordinal = (session.scalar(count) or 0) + 1
    child = Resident(
        id=new_id(),
        nik=nik,
        kk_number=mother.kk_number,
        full_name=birth.child_name or "",
        sex=birth.sex,
        birth_place=birth.birth_place,
        birth_date=birth.birth_date,
        family_relationship="ANAK",
        marital_status="BELUM KAWIN",
        religion=mother.religion,
        kelurahan_code=mother.kelurahan_code,
        address=mother.address,
        rt=mother.rt,
        rw=mother.rw,
        mother_nik=mother.nik,
        father_nik=father.nik if married and father else None,
        father_name=father.full_name if married and father else None,
        mother_name=mother.full_name,
        citizenship="WNI",
        birth_order=birth.multiple_birth_order,
        is_deceased=False,
    )
    session.add(child)
    birth.child_resident_id = child.id
    birth.child_nik = nik
    birth.parents_married = married
    birth.child_ordinal = ordinal
    birth.registered_at = clock.now()
    trail = [move(uow, "birth", birth, "registered", principal, reason)]
    docs = _issue_child_documents(
        uow,
        birth=birth,
        child=child,
        mother=mother,
        father=father if married else None,
        kk_reason=f"Penambahan anggota keluarga: kelahiran ({wording.tanggal(birth.birth_date)})",
    )
    outbox.enqueue(uow, jobs.birth_registered, birth_id=birth.id)
    events.publish(uow, BIRTH_REGISTERED, birth_id=birth.id)
    return trail, docs


def _issue_child_documents(
    uow: UnitOfWork,
    *,
    birth: Birth,
    child: Resident,
    mother: Resident,
    father: Resident | None,
    kk_reason: str,
) -> list[Document]:
    """The akta, the KIA and the family's KK, as new versions (earlier ones become replaced).

    A first registration takes its akta number here, after the KK: the day's akta counter is one row
    for the whole city, so it is locked as late in the transaction as possible (locks are always
    taken in the order NIK prefix → family KK → akta day, so concurrent registrations cannot deadlock).
    """
    today = local_today()
    kk = family.issue_kk_version(uow, kk_number=child.kk_number, reason=kk_reason)
    if birth.akta_number is None:
        birth.akta_number = numbers.birth_akta_number(uow, on=today)
    akta = certificates.issue_akta_kelahiran(
        uow, birth=birth, child=child, mother=mother, father=father, on=today
    )
    head = next((row[1] for row in kk.fields if row[0] == "Nama Kepala Keluarga"), "-")
    kia = certificates.issue_kia(
        uow,
        child=child,
        mother=mother,
        father=father,
        akta_number=birth.akta_number or "",
        head_name=head,
        on=today,
    )
    docs = [akta, kia, kk]
    birth.document_ids = [*birth.document_ids, *(d.id for d in docs)]
    return docs


def birth_view(birth: Birth, transitions: list[Transition], docs: list[Document]) -> dict[str, Any]:
    view = {
        c: getattr(birth, c)
        for c in (
            "id",
            "tracking_number",
            "state",
            "review_reasons",
            "decision_reason",
            "hospital_reference",
            "facility_code",
            "child_name",
            "sex",
            "birth_date",
            "born_at",
            "multiple_birth_order",
            "child_nik",
            "akta_number",
            "parents_married",
            "created_at",
            "registered_at",
        )
    }
    view["transitions"] = transitions
    view["documents"] = [document_link(d, birth.child_name) for d in docs]
    return view


def _audit_birth(
    uow: UnitOfWork, principal: Principal, birth: Birth, action: str, *, with_child: bool = True
) -> None:
    """One audit row per resident the birth record is about: mother, father (if a resident), child."""
    people = [birth.mother_resident_id, birth.father_resident_id]
    if with_child:
        people.append(birth.child_resident_id)
    for resident_id in dict.fromkeys(p for p in people if p):
        audit.record(
            uow, actor=principal, resident_id=resident_id, action=action, resource=f"birth:{birth.id}"
        )


def parent_ids(birth: Birth) -> list[str]:
    """The child's parents in law: the mother, and the father only when the registry says married."""
    father = [birth.father_resident_id] if birth.parents_married and birth.father_resident_id else []
    return [birth.mother_resident_id, *father]


def _visible_birth(uow: UnitOfWork, principal: Principal, birth_id: str) -> Birth:
    """The reporting facility, the parents (or the counter serving one) and Disdukcapil officers."""
    birth = session_of(uow).get(Birth, birth_id)
    if birth is None:
        raise NotFound("Birth registration not found", reason="birth_not_found")
    if principal.is_client:
        if principal.facility and principal.facility == birth.facility_code:
            _audit_birth(uow, principal, birth, "read:birth")
            return birth
    elif is_disdukcapil_officer(principal):
        _audit_birth(uow, principal, birth, "read:birth")
        return birth
    elif principal.is_citizen or principal.on_behalf_of:
        me = subject_resident_id(principal)
        if me in parent_ids(birth):
            if principal.on_behalf_of:  # a citizen reading their own child's record is not audited
                _audit_birth(uow, principal, birth, "read:birth")
            return birth
    raise NotFound("Birth registration not found", reason="birth_not_found")


def list_births(
    uow: UnitOfWork,
    *,
    principal: Principal,
    state: str | None,
    hospital_reference: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Birth], int]:
    """A hospital client lists its own facility's reports; Disdukcapil officers list all (audited)."""
    if principal.is_client:
        if not principal.facility:
            raise Forbidden("This client is not bound to a health facility", reason="client_without_facility")
        where = [Birth.facility_code == principal.facility]
    else:
        require_disdukcapil_officer(principal)
        where = []
    if state:
        where.append(Birth.state == state)
    if hospital_reference:
        where.append(Birth.hospital_reference == hospital_reference)
    with uow:
        total = session_of(uow).scalar(select(func.count()).select_from(Birth).where(*where)) or 0
        rows = list(
            session_of(uow).scalars(
                select(Birth)
                .where(*where)
                .order_by(Birth.created_at.desc(), Birth.id)
                .limit(limit)
                .offset(offset)
            )
        )
        for row in rows:  # hospitals too: the list shows each mother's child's NIK
            audit.record(
                uow,
                actor=principal,
                resident_id=row.mother_resident_id,
                action="list:births",
                resource=f"birth:{row.id}",
            )
        uow.commit()
        return rows, total


def get_birth(uow: UnitOfWork, *, principal: Principal, birth_id: str) -> dict[str, Any]:
    with uow:
        birth = _visible_birth(uow, principal, birth_id)
        view = birth_view(
            birth, transitions_of(uow, "birth", birth.id), documents_by_id(uow, birth.document_ids)
        )
        uow.commit()
        return view


def decide_birth(
    uow: UnitOfWork, *, principal: Principal, birth_id: str, approve: bool, reason: str
) -> dict[str, Any]:
    """An officer approves (the birth is registered now) or rejects a report held for review."""
    require_disdukcapil_officer(principal)
    with uow:
        birth = held_for_review(uow, Birth, birth_id)
        birth.decision_reason = reason
        if approve:
            mother = session_of(uow).get(Resident, birth.mother_resident_id)
            assert mother is not None
            father = (
                session_of(uow).get(Resident, birth.father_resident_id) if birth.father_resident_id else None
            )
            _register_birth(
                uow,
                birth=birth,
                mother=mother,
                father=father,
                principal=principal,
                reason=f"approved: {reason}",
            )
        else:
            birth.dedupe_key = None  # a corrected report of the same birth may follow
            move(uow, "birth", birth, "rejected", principal, reason)
            outbox.enqueue(uow, jobs.birth_rejected, birth_id=birth.id)
        audit.record(
            uow,
            actor=principal,
            resident_id=birth.mother_resident_id,
            action="decide:birth",
            resource=f"birth:{birth.id}",
            reason=reason,
        )
        session_of(uow).flush()  # the view shows this commit's state, not what a job did right after it
        view = birth_view(
            birth, transitions_of(uow, "birth", birth.id), documents_by_id(uow, birth.document_ids)
        )
        uow.commit()
        return view


def name_child(uow: UnitOfWork, *, principal: Principal, birth_id: str, name: str) -> dict[str, Any]:
    """A parent names a child registered without a name: registry updated, new akta/KIA/KK versions."""
    name = " ".join(name.upper().split())
    if wording.is_placeholder_name(name):
        raise ValidationFailed(
            "Give the child's own name, not a hospital's 'Bayi Ny.' stand-in",
            reason="placeholder_name",
            errors={"json": {"name": ["Not a name: a 'Bayi Ny.' stand-in"]}},
        )
    with uow:
        me = subject_resident_id(principal)
        stmt = select(Birth).where(Birth.id == birth_id)
        if uow.is_postgres:
            stmt = stmt.with_for_update()
        birth = session_of(uow).scalar(stmt)
        if birth is None or me not in parent_ids(birth):
            raise NotFound("Birth registration not found", reason="birth_not_found")
        if birth.state not in ("registered", "issued") or not birth.child_resident_id:
            raise Conflict("The birth is not registered yet", reason="birth_not_registered")
        child = session_of(uow).get(Resident, birth.child_resident_id)
        assert child is not None
        if child.full_name and not wording.is_placeholder_name(child.full_name):
            raise Conflict(
                "The child already has a name; ask for a correction instead", reason="child_already_named"
            )
        child.full_name = name
        birth.child_name = name
        session_of(uow).flush()
        docs = reissue_for_birth(uow, birth=birth, child=child, kk_reason=f"Pemberian nama anak: {name}")
        move(uow, "birth", birth, "named", principal, f"named: {name}")
        outbox.enqueue(uow, jobs.birth_documents_reissued, birth_id=birth.id, event="named")
        session_of(uow).flush()
        view = birth_view(birth, transitions_of(uow, "birth", birth.id), docs)
        uow.commit()
        return view


def reissue_for_birth(uow: UnitOfWork, *, birth: Birth, child: Resident, kk_reason: str) -> list[Document]:
    mother = session_of(uow).get(Resident, birth.mother_resident_id)
    assert mother is not None
    father = None
    if birth.parents_married and birth.father_resident_id:
        father = session_of(uow).get(Resident, birth.father_resident_id)
    return _issue_child_documents(
        uow, birth=birth, child=child, mother=mother, father=father, kk_reason=kk_reason
    )

"""Adminduk use cases: birth and death registration, naming, corrections, reviews, my documents."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from gateway import audit, events, outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, new_id, session_of
from gateway.documents import service as documents
from gateway.documents.models import Document
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.identity import service as identity
from gateway.identity import wilayah
from gateway.identity.models import Resident
from gateway.identity.service import resident_by_nik, subject_resident_id
from gateway.kernel import clock
from gateway.kernel.clock import local_today, local_tz
from services.adminduk import certificates, family, jobs, numbers, uploads, wording
from services.adminduk.common import age_on, is_disdukcapil_officer
from services.adminduk.errors import Problem, ReportRejected
from services.adminduk.events import BIRTH_REGISTERED, DEATH_REGISTERED
from services.adminduk.models import Birth, Correction, Death, Transition
from services.adminduk.workflow import move

LATE_REPORT_DAYS = 60
MOTHER_AGE = (10, 60)
# Two births of one mother closer than this (and not on the same day, as twins are) are suspicious.
DUPLICATE_WINDOW_DAYS = 240
CLOCK_SKEW = timedelta(minutes=5)
POSTHUMOUS_DAYS = 300  # a child born this long after the father's death is still his
MARRIED = {"KAWIN", "KAWIN TERCATAT"}
HUSBAND = {"KEPALA KELUARGA", "SUAMI"}
Reviewed = TypeVar("Reviewed", Birth, Death)


def _same_name(given: str, registered: str) -> bool:
    """Names compared as people write them: case and spacing do not matter."""
    return " ".join(given.upper().split()) == " ".join(registered.upper().split())


def _same_birth_date(given: date | str, registered: date) -> bool:
    """A full date must be the registry's; a partial FHIR date ('1995', '1995-03') must agree as far as given."""
    if isinstance(given, date):
        return given == registered
    return registered.isoformat().startswith(given) and len(given) in (4, 7)


def _identity_problems(
    person: Resident,
    *,
    name: str | None,
    born: date | str | None,
    reason: str,
    fields: tuple[str, str],
    who: str,
) -> list[Problem]:
    """The name and birth date a report gives for a NIK against the registry (each only if given).

    The message never says what the registry holds: a caller with a mistyped NIK learns nothing
    about the person it belongs to.
    """
    problems = []
    if name is not None and not _same_name(name, person.full_name):
        problems.append(
            Problem(422, reason, fields[0], f"The {who}'s name does not match the registry for this NIK")
        )
    if born is not None and not _same_birth_date(born, person.birth_date):
        problems.append(
            Problem(
                422, reason, fields[1], f"The {who}'s birth date does not match the registry for this NIK"
            )
        )
    return problems


# ---- who may do what ------------------------------------------------------------------------------------


def require_disdukcapil_officer(principal: Principal) -> None:
    if not is_disdukcapil_officer(principal):
        raise Forbidden("Only officers of Disdukcapil may do this", reason="opd_not_allowed")


def _require_facility_client(principal: Principal, scope: str) -> str:
    if not principal.is_client:
        raise Forbidden("Only a health facility's system may report this", reason="client_required")
    principal.require_scope(scope)
    if not principal.facility:
        raise Forbidden("This client is not bound to a health facility", reason="client_without_facility")
    return principal.facility


def transitions_of(uow: UnitOfWork, kind: str, subject_id: str) -> list[Transition]:
    stmt = (
        select(Transition)
        .where(Transition.subject_kind == kind, Transition.subject_id == subject_id)
        .order_by(Transition.at, Transition.id)
    )
    return list(session_of(uow).scalars(stmt))


def document_link(document: Document, subject_name: str | None = None) -> dict[str, Any]:
    """A document as listed to its owners. A KK is the family's card: its subject is the head of family."""
    if document.kind == family.KK_KIND:
        subject_name = family.head_name(document.fields)
    return {
        "id": document.id,
        "kind": document.kind,
        "title": document.title,
        "number": document.number,
        "version": document.version,
        "status": document.status,
        "issued_at": document.issued_at,
        "rendered": document.rendered_at is not None,
        "subject_resident_id": document.subject_resident_id,
        "subject_name": subject_name,
        "pdf_url": documents.pdf_url(document),
        "verify_url": documents.verify_url(document),
    }


def _documents_by_id(uow: UnitOfWork, ids: list[str]) -> list[Document]:
    if not ids:
        return []
    rows = {d.id: d for d in session_of(uow).scalars(select(Document).where(Document.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


# ---- births: intake -------------------------------------------------------------------------------------


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
        _identity_problems(
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


def _dedupe_key(mother_nik: str, birth_date: date, order: int) -> str:
    return f"{mother_nik}:{birth_date:%Y%m%d}:{order}"


def _duplicate_reasons(
    uow: UnitOfWork, *, mother: Resident, birth_date: date, order: int
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
            select(Birth.id, Birth.birth_date, Birth.multiple_birth_order, Birth.child_resident_id).where(
                Birth.mother_nik == mother.nik,
                Birth.birth_date.between(low, high),
                Birth.state != "rejected",
            )
        )
    )
    for row in births:
        if row.birth_date == birth_date and row.multiple_birth_order == order:
            raise Conflict(
                "This birth has already been reported",
                reason="duplicate_birth",
                extra={"existing_id": row.id},
            )
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
        facility = _require_facility_client(principal, "births:write")
        mother, father, reasons, birth_date = _check_birth_report(uow, facility=facility, report=report)
        order = report.get("multiple_birth_order") or 1
        more_reasons, ordinal = _duplicate_reasons(uow, mother=mother, birth_date=birth_date, order=order)
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
            dedupe_key=_dedupe_key(mother.nik, birth_date, order),
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
            existing = session_of(uow).scalar(select(Birth.id).where(Birth.dedupe_key == birth.dedupe_key))
            if existing is None:
                raise
            raise Conflict(
                "This birth has already been reported",
                reason="duplicate_birth",
                extra={"existing_id": existing},
            ) from None
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


# ---- births: reading, reviewing, naming -----------------------------------------------------------------


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
    page: int,
    page_size: int,
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
                .limit(page_size)
                .offset((page - 1) * page_size)
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
            birth, transitions_of(uow, "birth", birth.id), _documents_by_id(uow, birth.document_ids)
        )
        uow.commit()
        return view


def _held_for_review(uow: UnitOfWork, model: type[Reviewed], record_id: str) -> Reviewed:
    """The birth or death report `record_id`, locked (on PostgreSQL) while an officer decides on it.

    404 if there is none; 409 unless it is held for review.
    """
    stmt = select(model).where(model.id == record_id)
    if uow.is_postgres:
        stmt = stmt.with_for_update()
    record = session_of(uow).scalar(stmt)
    if record is None:
        what = model.__name__.lower()
        raise NotFound(
            f"{model.__name__} registration not found",
            reason=f"{what}_not_found",  # reasons: birth_not_found, death_not_found
        )
    if record.state != "needs_review":
        raise Conflict(f"This report is {record.state}, not waiting for review", reason="not_under_review")
    return record


def decide_birth(
    uow: UnitOfWork, *, principal: Principal, birth_id: str, approve: bool, reason: str
) -> dict[str, Any]:
    """An officer approves (the birth is registered now) or rejects a report held for review."""
    require_disdukcapil_officer(principal)
    with uow:
        birth = _held_for_review(uow, Birth, birth_id)
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
            birth, transitions_of(uow, "birth", birth.id), _documents_by_id(uow, birth.document_ids)
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
        docs = _reissue_for_birth(uow, birth=birth, child=child, kk_reason=f"Pemberian nama anak: {name}")
        move(uow, "birth", birth, "named", principal, f"named: {name}")
        outbox.enqueue(uow, jobs.birth_documents_reissued, birth_id=birth.id, event="named")
        session_of(uow).flush()
        view = birth_view(birth, transitions_of(uow, "birth", birth.id), docs)
        uow.commit()
        return view


def _reissue_for_birth(uow: UnitOfWork, *, birth: Birth, child: Resident, kk_reason: str) -> list[Document]:
    mother = session_of(uow).get(Resident, birth.mother_resident_id)
    assert mother is not None
    father = None
    if birth.parents_married and birth.father_resident_id:
        father = session_of(uow).get(Resident, birth.father_resident_id)
    return _issue_child_documents(
        uow, birth=birth, child=child, mother=mother, father=father, kk_reason=kk_reason
    )


# ---- reviews -----------------------------------------------------------------------------------------


def list_reviews(
    uow: UnitOfWork, *, principal: Principal, state: str, kind: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """The officers' queue of births and deaths in a state, oldest first."""
    require_disdukcapil_officer(principal)
    with uow:
        parts = []
        if kind in (None, "birth"):
            parts.append(
                select(
                    Birth.id.label("id"), literal("birth").label("kind"), Birth.created_at.label("created_at")
                ).where(Birth.state == state)
            )
        if kind in (None, "death"):
            parts.append(
                select(
                    Death.id.label("id"), literal("death").label("kind"), Death.created_at.label("created_at")
                ).where(Death.state == state)
            )
        queue = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        total = session_of(uow).scalar(select(func.count()).select_from(queue)) or 0
        rows = list(
            session_of(uow).execute(
                select(queue.c.id, queue.c.kind)
                .order_by(queue.c.created_at, queue.c.id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        )
        birth_ids = [r.id for r in rows if r.kind == "birth"]
        death_ids = [r.id for r in rows if r.kind == "death"]
        births = (
            {b.id: b for b in session_of(uow).scalars(select(Birth).where(Birth.id.in_(birth_ids)))}
            if birth_ids
            else {}
        )
        deaths = (
            {d.id: d for d in session_of(uow).scalars(select(Death).where(Death.id.in_(death_ids)))}
            if death_ids
            else {}
        )
        items = []
        for row in rows:
            if row.kind == "birth":
                b = births[row.id]
                items.append(
                    {
                        "kind": "birth",
                        "id": b.id,
                        "tracking_number": b.tracking_number,
                        "state": b.state,
                        "review_reasons": b.review_reasons,
                        "created_at": b.created_at,
                        "summary": f"Kelahiran {wording.SEX[b.sex].lower()} {wording.tanggal(b.birth_date)}, "
                        f"ibu NIK {wording.masked(b.mother_nik)}, {b.facility_code}",
                        "url": f"/api/v1/adminduk/births/{b.id}",
                    }
                )
                audit.record(
                    uow,
                    actor=principal,
                    resident_id=b.mother_resident_id,
                    action="list:reviews",
                    resource=f"birth:{b.id}",
                )
            else:
                d = deaths[row.id]
                items.append(
                    {
                        "kind": "death",
                        "id": d.id,
                        "tracking_number": d.tracking_number,
                        "state": d.state,
                        "review_reasons": d.review_reasons,
                        "created_at": d.created_at,
                        "summary": f"Kematian NIK {wording.masked(d.nik)} {wording.tanggal(d.death_date)} ({d.source})",
                        "url": f"/api/v1/adminduk/deaths/{d.id}",
                    }
                )
                audit.record(
                    uow,
                    actor=principal,
                    resident_id=d.resident_id,
                    action="list:reviews",
                    resource=f"death:{d.id}",
                )
        uow.commit()
        return items, total


# ---- my documents ----------------------------------------------------------------------------------------


def my_documents(uow: UnitOfWork, *, principal: Principal, status: str | None = None) -> list[dict[str, Any]]:
    """The citizen's own documents and their children's (every version), newest first."""
    with uow:
        me_id = subject_resident_id(principal)
        me = session_of(uow).get(Resident, me_id)
        if me is None:
            raise NotFound("Resident not found", reason="resident_not_found")
        children = list(
            session_of(uow).scalars(
                select(Resident).where(or_(Resident.mother_nik == me.nik, Resident.father_nik == me.nik))
            )
        )
        people = {me.id: me, **{c.id: c for c in children}}
        mother_niks = {c.mother_nik for c in children if c.mother_nik} | {me.mother_nik} - {None}
        mother_names: dict[str, str] = {}
        if mother_niks:
            rows = session_of(uow).execute(
                select(Resident.nik, Resident.full_name).where(Resident.nik.in_(mother_niks))
            )
            mother_names = {row.nik: row.full_name for row in rows}
        docs = documents.for_residents(uow, list(people))
        if status:
            docs = [d for d in docs if d.status == status]
        if principal.on_behalf_of:
            audit.record(
                uow, actor=principal, resident_id=me.id, action="read:documents", resource="me/documents"
            )
        out = []
        for doc in docs:
            subject = people.get(doc.subject_resident_id or "")
            name = (
                wording.display_name(subject.full_name, mother_names.get(subject.mother_nik or ""))
                if subject
                else None
            )
            out.append(document_link(doc, name))
        uow.commit()
        return out


# ---- corrections -----------------------------------------------------------------------------------------


def submit_correction(uow: UnitOfWork, *, principal: Principal, data: dict[str, Any]) -> Correction:
    """A citizen asks to correct the name and/or birth date on an akta kelahiran (theirs or a child's)."""
    attachment = uploads.decode(data["attachment"])
    with uow:
        me_id = subject_resident_id(principal)
        me = session_of(uow).get(Resident, me_id)
        if me is None:
            raise NotFound("Resident not found", reason="resident_not_found")
        children = list(
            session_of(uow).scalars(
                select(Resident.id).where(or_(Resident.mother_nik == me.nik, Resident.father_nik == me.nik))
            )
        )
        doc = next(
            (d for d in documents.for_residents(uow, [me.id, *children]) if d.id == data["document_id"]), None
        )
        if doc is None:
            raise NotFound("Document not found", reason="document_not_found")
        if doc.kind != certificates.AKTA_LAHIR:
            raise ValidationFailed(
                "Corrections online are for an akta kelahiran",
                reason="correction_not_supported",
                errors={"json": {"document_id": ["Not an akta kelahiran"]}},
            )
        if doc.status != "valid":
            raise Conflict(
                "Ask for a correction of the current version of the akta", reason="document_not_current"
            )
        birth = session_of(uow).scalar(
            select(Birth).where(Birth.child_resident_id == doc.subject_resident_id)
        )
        subject = session_of(uow).get(Resident, doc.subject_resident_id) if doc.subject_resident_id else None
        if birth is None or subject is None:
            raise NotFound("Document not found", reason="document_not_found")
        name, born = data.get("corrected_name"), data.get("corrected_birth_date")
        if (not name or name == subject.full_name) and (not born or born == subject.birth_date):
            raise ValidationFailed(
                "The corrected data is what the registry already holds",
                reason="nothing_to_correct",
                errors={"json": {"corrected_name": ["Same as the registry"]}},
            )
        if born and born > local_today():
            raise ValidationFailed(
                "A birth date cannot be in the future",
                reason="birth_in_future",
                errors={"json": {"corrected_birth_date": ["In the future"]}},
            )
        pending = session_of(uow).scalar(
            select(Correction.id).where(Correction.resident_id == subject.id, Correction.state == "submitted")
        )
        if pending:
            raise Conflict(
                "A correction for this person is already waiting",
                reason="correction_pending",
                extra={"existing_id": pending},
            )
        correction = Correction(
            tracking_number=numbers.tracking_number("PB", local_today()),
            state="submitted",
            requested_by_resident_id=me.id,
            resident_id=subject.id,
            birth_id=birth.id,
            document_id=doc.id,
            current_name=subject.full_name,
            current_birth_date=subject.birth_date,
            corrected_name=name if name != subject.full_name else None,
            corrected_birth_date=born if born != subject.birth_date else None,
            note=data.get("note"),
            attachment=attachment,
            attachment_content_type=data["attachment"]["content_type"],
            attachment_size=len(attachment),
        )
        session_of(uow).add(correction)
        session_of(uow).flush()
        move(uow, "correction", correction, "submitted", principal, initial=True)
        uow.commit()
        return correction


def _visible_correction(uow: UnitOfWork, principal: Principal, correction_id: str) -> Correction:
    correction = session_of(uow).get(Correction, correction_id)
    if correction is None:
        raise NotFound("Correction not found", reason="correction_not_found")
    if is_disdukcapil_officer(principal):
        audit.record(
            uow,
            actor=principal,
            resident_id=correction.resident_id,
            action="read:correction",
            resource=f"correction:{correction.id}",
        )
        return correction
    if (principal.is_citizen or principal.on_behalf_of) and subject_resident_id(
        principal
    ) == correction.requested_by_resident_id:
        return correction
    raise NotFound("Correction not found", reason="correction_not_found")


def correction_view(
    uow: UnitOfWork, correction: Correction, transitions: list[Transition] | None = None
) -> dict[str, Any]:
    view = {
        c: getattr(correction, c)
        for c in (
            "id",
            "tracking_number",
            "state",
            "document_id",
            "birth_id",
            "current_name",
            "current_birth_date",
            "corrected_name",
            "corrected_birth_date",
            "note",
            "attachment_content_type",
            "attachment_size",
            "decision_reason",
            "created_at",
            "decided_at",
        )
    }
    view["transitions"] = (
        transitions if transitions is not None else transitions_of(uow, "correction", correction.id)
    )
    return view


def get_correction(uow: UnitOfWork, *, principal: Principal, correction_id: str) -> dict[str, Any]:
    with uow:
        correction = _visible_correction(uow, principal, correction_id)
        view = correction_view(uow, correction)
        uow.commit()
        return view


def correction_attachment(uow: UnitOfWork, *, principal: Principal, correction_id: str) -> tuple[bytes, str]:
    with uow:
        correction = _visible_correction(uow, principal, correction_id)
        data, content_type = correction.attachment, correction.attachment_content_type
        uow.commit()
        return data, content_type


def list_corrections(
    uow: UnitOfWork, *, principal: Principal, state: str, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    require_disdukcapil_officer(principal)
    with uow:
        total = (
            session_of(uow).scalar(
                select(func.count()).select_from(Correction).where(Correction.state == state)
            )
            or 0
        )
        rows = list(
            session_of(uow).scalars(
                select(Correction)
                .where(Correction.state == state)
                .order_by(Correction.created_at, Correction.id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        )
        for row in rows:
            audit.record(
                uow,
                actor=principal,
                resident_id=row.resident_id,
                action="list:corrections",
                resource=f"correction:{row.id}",
            )
        by_subject: dict[str, list[Transition]] = {row.id: [] for row in rows}
        if rows:  # one query for every row's history, not one per row
            history = select(Transition).where(
                Transition.subject_kind == "correction", Transition.subject_id.in_(list(by_subject))
            )
            for t in session_of(uow).scalars(history.order_by(Transition.at, Transition.id)):
                by_subject[t.subject_id].append(t)
        views = [correction_view(uow, row, by_subject[row.id]) for row in rows]
        uow.commit()
        return views, total


def decide_correction(
    uow: UnitOfWork, *, principal: Principal, correction_id: str, approve: bool, reason: str
) -> dict[str, Any]:
    """Approval corrects the registry and issues new versions of the akta, KIA and KK."""
    require_disdukcapil_officer(principal)
    with uow:
        stmt = select(Correction).where(Correction.id == correction_id)
        if uow.is_postgres:
            stmt = stmt.with_for_update()
        correction = session_of(uow).scalar(stmt)
        if correction is None:
            raise NotFound("Correction not found", reason="correction_not_found")
        if correction.state != "submitted":
            raise Conflict(f"This correction is already {correction.state}", reason="correction_decided")
        correction.decision_reason = reason
        correction.decided_at = clock.now()
        audit.record(
            uow,
            actor=principal,
            resident_id=correction.resident_id,
            action="decide:correction",
            resource=f"correction:{correction.id}",
            reason=reason,
        )
        if approve:
            birth = session_of(uow).get(Birth, correction.birth_id)
            child = session_of(uow).get(Resident, correction.resident_id)
            assert birth is not None and child is not None
            changes = []
            if correction.corrected_name:
                child.full_name = correction.corrected_name
                birth.child_name = correction.corrected_name
                changes.append("nama")
            if correction.corrected_birth_date:
                child.birth_date = correction.corrected_birth_date
                birth.birth_date = correction.corrected_birth_date
                if birth.dedupe_key:
                    birth.dedupe_key = _dedupe_key(
                        birth.mother_nik, birth.birth_date, birth.multiple_birth_order
                    )
                changes.append("tanggal lahir")
            session_of(uow).flush()
            _reissue_for_birth(
                uow,
                birth=birth,
                child=child,
                kk_reason=f"Pembetulan {' dan '.join(changes)} ({correction.tracking_number})",
            )
            move(uow, "correction", correction, "approved", principal, reason)
        else:
            move(uow, "correction", correction, "rejected", principal, reason)
        outbox.enqueue(uow, jobs.correction_decided, correction_id=correction.id)
        session_of(uow).flush()
        view = correction_view(uow, correction)
        uow.commit()
        return view


# ---- deaths ----------------------------------------------------------------------------------------------


def _check_death(uow: UnitOfWork, *, report: dict[str, Any], problems: list[Problem]) -> Resident | None:
    died_at: datetime = report["died_at"]
    deceased = resident_by_nik(uow, report["nik"])
    if died_at > clock.now() + CLOCK_SKEW:
        problems.append(Problem(422, "death_in_future", "died_at", "The death is in the future"))
    if deceased is None:
        problems.append(Problem(422, "resident_not_found", "nik", "No resident with this NIK"))
        return None
    mismatch = _identity_problems(
        deceased,
        name=report["full_name"],
        born=report["birth_date"],
        reason="deceased_mismatch",
        fields=("full_name", "birth_date"),
        who="deceased",
    )
    if mismatch:
        problems += mismatch
        return deceased
    if died_at.astimezone(local_tz()).date() < deceased.birth_date:
        problems.append(
            Problem(422, "death_before_birth", "died_at", "The death is before the person's birth")
        )
    return deceased


def _existing_death(uow: UnitOfWork, deceased: Resident) -> None:
    if deceased.is_deceased:
        existing = session_of(uow).scalar(
            select(Death.id).where(Death.resident_id == deceased.id, Death.state != "rejected")
        )
        raise Conflict(
            "This person is already registered as deceased",
            reason="already_deceased",
            extra={"existing_id": existing},
        )
    existing = session_of(uow).scalar(select(Death.id).where(Death.dedupe_key == deceased.id))
    if existing:
        raise Conflict(
            "This death has already been reported", reason="duplicate_death", extra={"existing_id": existing}
        )


def report_death(uow: UnitOfWork, *, principal: Principal, report: dict[str, Any]) -> dict[str, Any]:
    """A hospital (registered at once) or a family member on the same KK (reviewed) reports a death."""
    with uow:
        problems: list[Problem] = []
        reporter: Resident | None = None
        if principal.is_client:
            facility = _require_facility_client(principal, "deaths:write")
            if report.get("facility_code") and report["facility_code"] != facility:
                problems.append(
                    Problem(
                        403,
                        "facility_mismatch",
                        "facility_code",
                        "The report names another facility than this client's",
                    )
                )
            source = "facility"
        else:
            facility = None
            reporter = session_of(uow).get(Resident, subject_resident_id(principal))
            if reporter is None:
                raise NotFound("Resident not found", reason="resident_not_found")
            source = "family"
        deceased = _check_death(uow, report=report, problems=problems)
        if reporter is not None and deceased is not None:
            if deceased.id == reporter.id:
                problems.append(
                    Problem(422, "reporter_is_deceased", "nik", "You cannot report your own death")
                )
            elif deceased.kk_number != reporter.kk_number:
                problems.append(
                    Problem(
                        422,
                        "not_same_family",
                        "nik",
                        "Only a member of the same family card may report a death",
                    )
                )
        if problems:
            raise ReportRejected(problems)
        assert deceased is not None
        _existing_death(uow, deceased)
        died_at: datetime = report["died_at"]
        death = Death(
            tracking_number=numbers.tracking_number("KM", local_today()),
            state="notified",
            source=source,
            facility_code=facility,
            reported_by=principal.id,
            reporter_resident_id=reporter.id if reporter else None,
            hospital_reference=report.get("hospital_reference"),
            resident_id=deceased.id,
            nik=deceased.nik,
            died_at=died_at,
            death_date=died_at.astimezone(local_tz()).date(),
            place=report["place"].upper(),
            cause=report.get("cause"),
            kk_number=deceased.kk_number,
            dedupe_key=deceased.id,
            review_reasons=["family_report"] if source == "family" else [],
            document_ids=[],
        )
        session_of(uow).add(death)
        try:
            session_of(uow).flush()
        except IntegrityError:
            session_of(uow).rollback()
            existing = session_of(uow).scalar(select(Death.id).where(Death.dedupe_key == deceased.id))
            raise Conflict(
                "This death has already been reported",
                reason="duplicate_death",
                extra={"existing_id": existing},
            ) from None
        trail = [move(uow, "death", death, "notified", principal, initial=True)]
        # The deceased's record is read and changed, and so is the family card of its head.
        others = [m for m in family.living_members(uow, deceased.kk_number) if m.id != deceased.id]
        head = family.head_of(others)
        for resident_id in dict.fromkeys([deceased.id, *([head.id] if head else [])]):
            audit.record(
                uow,
                actor=principal,
                resident_id=resident_id,
                action="report:death",
                resource=f"death:{death.id}",
            )
        docs: list[Document] = []
        if source == "family":
            trail.append(move(uow, "death", death, "needs_review", principal, "family_report"))
        else:
            more, docs = _register_death(uow, death=death, deceased=deceased, principal=principal)
            trail += more
        uow.commit()
        return death_view(death, deceased, trail, docs)


def _register_death(
    uow: UnitOfWork,
    *,
    death: Death,
    deceased: Resident,
    principal: Principal | None,
    reason: str | None = None,
) -> tuple[list[Transition], list[Document]]:
    """The resident is deceased, leaves the KK (new version), akta kematian, account closed."""
    session = session_of(uow)
    deceased.is_deceased = True
    deceased.deceased_at = death.death_date
    session.flush()
    death.akta_number = numbers.death_akta_number(uow, on=local_today())
    death.registered_at = clock.now()
    trail = [move(uow, "death", death, "registered", principal, reason)]
    members = family.living_members(uow, deceased.kk_number)
    docs = []
    if members:
        docs.append(
            family.issue_kk_version(
                uow,
                kk_number=deceased.kk_number,
                reason=f"Pengurangan anggota keluarga: meninggal dunia ({wording.tanggal(death.death_date)})",
            )
        )
    local_time = death.died_at.astimezone(local_tz()).strftime("%H.%M")
    akta = certificates.issue_akta_kematian(
        uow,
        death=death,
        deceased=deceased,
        family_ids=[m.id for m in members],
        on=local_today(),
        local_time=local_time,
    )
    docs.insert(0, akta)
    death.document_ids = [*death.document_ids, *(d.id for d in docs)]
    identity.close_account(uow, resident_id=deceased.id, reason="meninggal dunia")
    outbox.enqueue(uow, jobs.death_registered, death_id=death.id)
    events.publish(uow, DEATH_REGISTERED, death_id=death.id)
    return trail, docs


def death_view(
    death: Death, deceased: Resident | None, transitions: list[Transition], docs: list[Document]
) -> dict[str, Any]:
    view = {
        c: getattr(death, c)
        for c in (
            "id",
            "tracking_number",
            "state",
            "source",
            "review_reasons",
            "decision_reason",
            "nik",
            "died_at",
            "death_date",
            "place",
            "akta_number",
            "created_at",
            "registered_at",
        )
    }
    view["name"] = deceased.full_name if deceased else ""
    view["transitions"] = transitions
    view["documents"] = [document_link(d, view["name"]) for d in docs]
    return view


def _visible_death(uow: UnitOfWork, principal: Principal, death_id: str) -> Death:
    death = session_of(uow).get(Death, death_id)
    if death is None:
        raise NotFound("Death registration not found", reason="death_not_found")
    if principal.is_client:
        audited_reader = bool(death.facility_code) and principal.facility == death.facility_code
    else:
        audited_reader = is_disdukcapil_officer(principal)
    if audited_reader:  # the reporting facility's system, Disdukcapil officers
        audit.record(
            uow,
            actor=principal,
            resident_id=death.resident_id,
            action="read:death",
            resource=f"death:{death.id}",
        )
        return death
    if not principal.is_client and (principal.is_citizen or principal.on_behalf_of):
        me = session_of(uow).get(Resident, subject_resident_id(principal))
        if me is not None and (me.id == death.reporter_resident_id or me.kk_number == death.kk_number):
            return death
    raise NotFound("Death registration not found", reason="death_not_found")


def get_death(uow: UnitOfWork, *, principal: Principal, death_id: str) -> dict[str, Any]:
    with uow:
        death = _visible_death(uow, principal, death_id)
        deceased = session_of(uow).get(Resident, death.resident_id)
        view = death_view(
            death, deceased, transitions_of(uow, "death", death.id), _documents_by_id(uow, death.document_ids)
        )
        uow.commit()
        return view


def decide_death(
    uow: UnitOfWork, *, principal: Principal, death_id: str, approve: bool, reason: str
) -> dict[str, Any]:
    require_disdukcapil_officer(principal)
    with uow:
        death = _held_for_review(uow, Death, death_id)
        deceased = session_of(uow).get(Resident, death.resident_id)
        assert deceased is not None
        death.decision_reason = reason
        audit.record(
            uow,
            actor=principal,
            resident_id=deceased.id,
            action="decide:death",
            resource=f"death:{death.id}",
            reason=reason,
        )
        if approve:
            if deceased.is_deceased:
                raise Conflict("This person is already registered as deceased", reason="already_deceased")
            _register_death(
                uow, death=death, deceased=deceased, principal=principal, reason=f"approved: {reason}"
            )
        else:
            death.dedupe_key = None
            move(uow, "death", death, "rejected", principal, reason)
        session_of(uow).flush()
        view = death_view(
            death, deceased, transitions_of(uow, "death", death.id), _documents_by_id(uow, death.document_ids)
        )
        uow.commit()
        return view

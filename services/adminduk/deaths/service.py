"""Deaths: reported by a facility (registered at once) or a family member (reviewed); the
registry, the account and the family's documents follow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway import audit, events, outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.documents import Document
from gateway.errors import Conflict, NotFound
from gateway.identity import Resident
from gateway.identity import service as identity
from gateway.identity.service import resident_by_nik, subject_resident_id
from gateway.kernel import clock
from gateway.kernel.clock import local_today, local_tz
from services.adminduk import wording
from services.adminduk.births.service import CLOCK_SKEW
from services.adminduk.common import is_disdukcapil_officer
from services.adminduk.deaths import jobs
from services.adminduk.deaths.models import Death
from services.adminduk.errors import Problem, ReportRejected
from services.adminduk.events import DEATH_REGISTERED
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


def _check_death(uow: UnitOfWork, *, report: dict[str, Any], problems: list[Problem]) -> Resident | None:
    died_at: datetime = report["died_at"]
    deceased = resident_by_nik(uow, report["nik"])
    if died_at > clock.now() + CLOCK_SKEW:
        problems.append(Problem(422, "death_in_future", "died_at", "The death is in the future"))
    if deceased is None:
        problems.append(Problem(422, "resident_not_found", "nik", "No resident with this NIK"))
        return None
    mismatch = identity_problems(
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


def _who_reports(
    uow: UnitOfWork, principal: Principal, report: dict[str, Any], problems: list[Problem]
) -> tuple[str, str | None, Resident | None]:
    """(source, facility, reporting resident): a facility's system, or a family member."""
    if principal.is_client:
        facility = require_facility_client(principal, "deaths:write")
        if report.get("facility_code") and report["facility_code"] != facility:
            problems.append(
                Problem(
                    403,
                    "facility_mismatch",
                    "facility_code",
                    "The report names another facility than this client's",
                )
            )
        return "facility", facility, None
    reporter = session_of(uow).get(Resident, subject_resident_id(principal))
    if reporter is None:
        raise NotFound("Resident not found", reason="resident_not_found")
    return "family", None, reporter


def _check_family_reporter(
    reporter: Resident | None, deceased: Resident | None, problems: list[Problem]
) -> None:
    """A family member reports another member of the same family card, never themselves."""
    if reporter is None or deceased is None:
        return
    if deceased.id == reporter.id:
        problems.append(Problem(422, "reporter_is_deceased", "nik", "You cannot report your own death"))
    elif deceased.kk_number != reporter.kk_number:
        problems.append(
            Problem(422, "not_same_family", "nik", "Only a member of the same family card may report a death")
        )


def report_death(uow: UnitOfWork, *, principal: Principal, report: dict[str, Any]) -> dict[str, Any]:
    """A hospital (registered at once) or a family member on the same KK (reviewed) reports a death."""
    with uow:
        problems: list[Problem] = []
        source, facility, reporter = _who_reports(uow, principal, report, problems)
        deceased = _check_death(uow, report=report, problems=problems)
        _check_family_reporter(reporter, deceased, problems)
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
            death, deceased, transitions_of(uow, "death", death.id), documents_by_id(uow, death.document_ids)
        )
        uow.commit()
        return view


def decide_death(
    uow: UnitOfWork, *, principal: Principal, death_id: str, approve: bool, reason: str
) -> dict[str, Any]:
    require_disdukcapil_officer(principal)
    with uow:
        death = held_for_review(uow, Death, death_id)
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
            death, deceased, transitions_of(uow, "death", death.id), documents_by_id(uow, death.document_ids)
        )
        uow.commit()
        return view

"""The checks of each application kind against the registry, before anything is written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.documents import Document
from gateway.errors import Forbidden, NotFound
from gateway.identity import Resident, wilayah
from gateway.identity.service import resident_by_nik, subject_resident_id
from gateway.kernel.clock import local_today
from gateway.kernel.settings import region_code
from services.adminduk.applications.models import (
    Application,
)
from services.adminduk.applications.service.common import (
    ADULT_AGE,
    HEAD,
    KIA_AGE_LIMIT,
    MARRIED,
    MARRIED_RECORDED,
    as_date,
    invalid,
)
from services.adminduk.common import age_on
from services.adminduk.registry import certificates, family


def applicant(uow: UnitOfWork, principal: Principal) -> Resident:
    me = session_of(uow).get(Resident, subject_resident_id(principal))
    if me is None:
        raise NotFound("Resident not found", reason="resident_not_found")
    if not me.is_active:
        raise Forbidden("Only residents living in the city may apply online", reason="resident_not_active")
    return me


def _relative(uow: UnitOfWork, me: Resident, nik: str | None, *, field: str) -> Resident:
    """Yourself, a living member of your KK, or your child; anyone else does not exist for you."""
    if not nik or nik == me.nik:
        return me
    other = resident_by_nik(uow, nik)
    if (
        other is None
        or not other.is_active
        or (other.kk_number != me.kk_number and me.nik not in (other.mother_nik, other.father_nik))
    ):
        raise NotFound(
            "No member of your family with this NIK",
            reason="resident_not_found",
            errors={"json": {field: ["Not a member of your family"]}},
        )
    return other


def check(
    uow: UnitOfWork, *, me: Resident, kind: str, spec: dict[str, Any]
) -> tuple[str | None, Resident, dict[str, Any], str]:
    """Validate one application's section; returns (sub_kind, subject, details to store, dedupe key)."""
    if kind == "kk_change":
        return _check_kk_change(uow, me, spec)
    if kind == "reprint":
        return _check_reprint(uow, me, spec)
    return _check_move_out(uow, me, spec)


def _check_kk_change(
    uow: UnitOfWork, me: Resident, spec: dict[str, Any]
) -> tuple[str | None, Resident, dict[str, Any], str]:
    change = spec["change"]
    if change == "address":
        region = region_code()
        code = spec["kelurahan_code"]
        if not (code.startswith(region + ".") and wilayah.is_kelurahan(code)):
            raise invalid(
                "kk_change.kelurahan_code",
                f"Not a kelurahan of the city ({region}.xx.xxxx); moving away is a move_out",
                "kelurahan_not_in_city",
            )
        new = (code, spec["address"].upper(), spec["rt"], spec["rw"])
        if new == (me.kelurahan_code, me.address.upper(), me.rt, me.rw):
            raise invalid("kk_change.address", "This is already the family's address", "nothing_to_change")
        details = {
            "change": change,
            "kelurahan_code": code,
            "kelurahan": wilayah.name_of(code),
            "address": new[1],
            "rt": new[2],
            "rw": new[3],
            "previous": {
                "kelurahan_code": me.kelurahan_code,
                "address": me.address,
                "rt": me.rt,
                "rw": me.rw,
            },
        }
        # The whole family moves house together: one open address change per KK.
        return change, me, details, f"kk_change:address:{me.kk_number}"
    subject = _relative(uow, me, spec.get("resident_nik"), field="kk_change.resident_nik")
    if subject.kk_number != me.kk_number:
        raise NotFound(
            "No member of your KK with this NIK",
            reason="resident_not_found",
            errors={"json": {"kk_change.resident_nik": ["Not on your KK"]}},
        )
    details = {"change": change, "resident_nik": subject.nik}
    if change == "occupation":
        if spec["occupation"] == (subject.occupation or "").upper():
            raise invalid(
                "kk_change.occupation", "The registry already holds this occupation", "nothing_to_change"
            )
        details |= {"occupation": spec["occupation"], "previous": subject.occupation}
    elif change == "education":
        if spec["education"] == subject.education:
            raise invalid(
                "kk_change.education", "The registry already holds this education", "nothing_to_change"
            )
        details |= {"education": spec["education"], "previous": subject.education}
    else:
        married_on = as_date(spec["marriage_date"])
        assert married_on is not None
        if subject.marital_status in MARRIED:
            raise invalid(
                "kk_change.resident_nik",
                "The registry already records this person as married",
                "already_married",
            )
        if married_on > local_today():
            raise invalid(
                "kk_change.marriage_date", "The marriage date is in the future", "marriage_in_future"
            )
        if married_on < subject.birth_date or age_on(subject.birth_date, married_on) < 16:
            raise invalid(
                "kk_change.marriage_date",
                "The person was too young at this marriage date",
                "implausible_marriage_date",
            )
        details |= {
            "marital_status": MARRIED_RECORDED,
            "marriage_date": married_on.isoformat(),
            "marriage_certificate_number": spec["marriage_certificate_number"],
            "previous": subject.marital_status,
        }
    return change, subject, details, f"kk_change:{change}:{subject.id}"


def current_document(uow: UnitOfWork, series_key: str) -> Document | None:
    return session_of(uow).scalar(
        select(Document).where(Document.series_key == series_key, Document.status == "valid")
    )


def _check_reprint(
    uow: UnitOfWork, me: Resident, spec: dict[str, Any]
) -> tuple[str | None, Resident, dict[str, Any], str]:
    document = spec["document"]
    details: dict[str, Any] = {"document": document, "police_report_number": spec["police_report_number"]}
    lost_on = as_date(spec.get("lost_on"))
    if lost_on is not None:
        if lost_on > local_today():
            raise invalid("reprint.lost_on", "The loss date is in the future", "lost_in_future")
        details["lost_on"] = lost_on.isoformat()
    if document == "kk":
        if spec.get("resident_nik") and spec["resident_nik"] != me.nik:
            subject = _relative(uow, me, spec["resident_nik"], field="reprint.resident_nik")
            if subject.kk_number != me.kk_number:
                raise NotFound("No member of your KK with this NIK", reason="resident_not_found")
        details["kk_number"] = me.kk_number
        return document, me, details, f"reprint:kk:{me.kk_number}"
    subject = _relative(uow, me, spec.get("resident_nik"), field="reprint.resident_nik")
    if document == "kia" and age_on(subject.birth_date, local_today()) >= KIA_AGE_LIMIT:
        raise invalid(
            "reprint.resident_nik",
            "A KIA is for children under 17; adults hold a KTP-el",
            "kia_not_applicable",
        )
    series = (
        certificates.akta_series(subject.id)
        if document == "akta_kelahiran"
        else certificates.kia_series(subject.id)
    )
    current = current_document(uow, series)
    if current is None:
        raise NotFound(
            "No such document on record to reprint; please visit Disdukcapil",
            reason="document_not_found",
            errors={"json": {"reprint.document": ["No issued document on record"]}},
        )
    details |= {"resident_nik": subject.nik, "number": current.number}
    return document, subject, details, f"reprint:{document}:{subject.id}"


def _destination(code: str) -> tuple[str, str, str]:
    """A Kemendagri kab/kota or kecamatan outside the city: (dotted code, name, level)."""
    dotted = wilayah.dotted(code.strip())
    entry = wilayah.regions().get(dotted)
    if entry is None or entry[1] not in ("kabupaten_kota", "kecamatan"):
        raise invalid(
            "move_out.destination_region_code",
            "Not a Kemendagri kabupaten/kota or kecamatan code",
            "unknown_region",
        )
    region = region_code()
    if dotted == region or dotted.startswith(region + "."):
        raise invalid(
            "move_out.destination_region_code",
            "The destination is within the city: apply for an address change instead",
            "destination_inside_city",
        )
    return dotted, entry[0], entry[1]


def _check_move_out(
    uow: UnitOfWork, me: Resident, spec: dict[str, Any]
) -> tuple[str | None, Resident, dict[str, Any], str]:
    code, name, level = _destination(spec["destination_region_code"])
    planned = as_date(spec.get("planned_date"))
    movers: list[Resident] = []
    for nik in spec.get("member_niks") or [me.nik]:
        member = _relative(uow, me, nik, field="move_out.member_niks")
        if member.kk_number != me.kk_number:
            raise NotFound("No member of your KK with this NIK", reason="resident_not_found")
        if member.id in {m.id for m in movers}:
            raise invalid("move_out.member_niks", "A member is listed twice", "duplicate_member")
        movers.append(member)
    staying = [m for m in family.living_members(uow, me.kk_number) if m.id not in {x.id for x in movers}]
    head_moves = any(m.family_relationship == HEAD for m in movers)
    details: dict[str, Any] = {
        "destination_region_code": code,
        "destination_region": name,
        "destination_level": level,
        "destination_address": spec["destination_address"].upper(),
        "reason": spec["reason"],
        "member_niks": [m.nik for m in movers],
    }
    if planned is not None:
        details["planned_date"] = planned.isoformat()
    new_head = spec.get("new_head_nik")
    if head_moves and staying:
        if not new_head:
            raise invalid(
                "move_out.new_head_nik",
                "The head of family moves: name the member who becomes head of the remaining family",
                "new_head_required",
            )
        heir = next((m for m in staying if m.nik == new_head), None)
        if heir is None:
            raise invalid(
                "move_out.new_head_nik", "The new head must be a member who stays", "new_head_invalid"
            )
        if age_on(heir.birth_date, local_today()) < ADULT_AGE and heir.marital_status not in MARRIED:
            raise invalid("move_out.new_head_nik", "The new head must be an adult", "new_head_invalid")
        details["new_head_nik"] = heir.nik
    elif new_head:
        raise invalid(
            "move_out.new_head_nik", "Only when the head of family moves and others stay", "new_head_invalid"
        )
    return None, movers[0], details, f"move_out:{me.kk_number}"


def spec_of(application: Application) -> dict[str, Any]:
    """The stored details as a section again (to re-check them against today's registry)."""
    d = application.details
    if application.kind == "kk_change":
        spec = {k: d[k] for k in ("change", "kelurahan_code", "address", "rt", "rw") if k in d}
        spec |= {
            k: d[k]
            for k in (
                "resident_nik",
                "occupation",
                "education",
                "marriage_date",
                "marriage_certificate_number",
            )
            if k in d
        }
        return spec
    if application.kind == "reprint":
        return {k: d[k] for k in ("document", "resident_nik", "police_report_number", "lost_on") if k in d}
    return {
        k: d[k]
        for k in (
            "destination_region_code",
            "destination_address",
            "reason",
            "member_niks",
            "new_head_nik",
            "planned_date",
        )
        if k in d
    }

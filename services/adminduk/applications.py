"""Applications online (as Medan's Sibisa does): KK changes, reprints of lost documents, moving out.

A citizen (or the counter for one) files an application with its attachments; a Disdukcapil
officer reviews it against a working-day SLA, may send it back for correction, and approves (the
registry change and the new document versions commit in one transaction) or rejects it with a
reason. Every step is an event and a notification. Population documents are free: no fee anywhere.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from gateway import audit, events, outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, new_id, session_of
from gateway.documents import service as documents
from gateway.documents.models import Document
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.identity import wilayah
from gateway.identity.models import Resident
from gateway.identity.service import resident_by_nik, subject_resident_id
from gateway.kernel import clock
from gateway.kernel.clock import local_today
from gateway.kernel.settings import region_code
from gateway.kernel.sla import SlaClock
from gateway.kernel.workflow import Change, Transition, Workflow, actor_of, check_version
from services.adminduk import application_jobs, certificates, family, numbers, uploads, wording
from services.adminduk.application_models import (
    OPEN_STATES,
    WITH_OFFICE,
    Application,
    ApplicationAttachment,
    ApplicationEvent,
)
from services.adminduk.common import age_on, is_disdukcapil_officer
from services.adminduk.events import APPLICATION_APPROVED
from services.adminduk.workflow import FAMILY, role_of

# Working days from a complete (re)submission to the decision. A reprint is the same registry
# record printed again (one day); a KK change or a move out is checked against the registry (three).
SLA_WORKDAYS = {"kk_change": 3, "reprint": 1, "move_out": 3}
REQUIRED_ATTACHMENTS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("kk_change", "address"): (),
    ("kk_change", "occupation"): (),
    ("kk_change", "education"): ("ijazah",),
    ("kk_change", "marital_status"): ("marriage_certificate",),
    ("reprint", "akta_kelahiran"): ("police_loss_report",),
    ("reprint", "kk"): ("police_loss_report",),
    ("reprint", "kia"): ("police_loss_report",),
    ("move_out", None): (),
}
MARRIED = {"KAWIN", "KAWIN TERCATAT"}
MARRIED_RECORDED = "KAWIN TERCATAT"
HEAD = "KEPALA KELUARGA"
ADULT_AGE = 17
KIA_AGE_LIMIT = 17
SKPWNI_KIND = "skpwni"
SKPWNI_TITLE = "SURAT KETERANGAN PINDAH"
SKPWNI_TEMPLATE = "{kabkota}-SKPWNI-{ddmmyyyy}-{serial:04d}"
REPRINT_FIELD = "Keterangan Cetak Ulang"
LABELS = {
    ("kk_change", "address"): "perubahan alamat pada KK",
    ("kk_change", "occupation"): "perubahan pekerjaan pada KK",
    ("kk_change", "education"): "perubahan pendidikan pada KK",
    ("kk_change", "marital_status"): "perubahan status perkawinan pada KK",
    ("reprint", "akta_kelahiran"): "cetak ulang akta kelahiran",
    ("reprint", "kk"): "cetak ulang KK",
    ("reprint", "kia"): "cetak ulang KIA",
    ("move_out", None): "surat keterangan pindah",
}


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _invalid(field: str, message: str, reason: str) -> ValidationFailed:
    return ValidationFailed(message, reason=reason, errors={"json": {field: [message]}})


def label(application: Application) -> str:
    return LABELS[(application.kind, application.sub_kind)]


# ---- who may do what ------------------------------------------------------------------------------------


def _require_officer(principal: Principal) -> None:
    # Officers of other agencies do not learn that the queue or an application exists.
    if not is_disdukcapil_officer(principal):
        raise NotFound("Not found", reason="not_found")


def _applicant(uow: UnitOfWork, principal: Principal) -> Resident:
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


# ---- what is asked for: checked against the registry ---------------------------------------------------


def _check(
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
            raise _invalid(
                "kk_change.kelurahan_code",
                f"Not a kelurahan of the city ({region}.xx.xxxx); moving away is a move_out",
                "kelurahan_not_in_city",
            )
        new = (code, spec["address"].upper(), spec["rt"], spec["rw"])
        if new == (me.kelurahan_code, me.address.upper(), me.rt, me.rw):
            raise _invalid("kk_change.address", "This is already the family's address", "nothing_to_change")
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
            raise _invalid(
                "kk_change.occupation", "The registry already holds this occupation", "nothing_to_change"
            )
        details |= {"occupation": spec["occupation"], "previous": subject.occupation}
    elif change == "education":
        if spec["education"] == subject.education:
            raise _invalid(
                "kk_change.education", "The registry already holds this education", "nothing_to_change"
            )
        details |= {"education": spec["education"], "previous": subject.education}
    else:
        married_on = _as_date(spec["marriage_date"])
        assert married_on is not None
        if subject.marital_status in MARRIED:
            raise _invalid(
                "kk_change.resident_nik",
                "The registry already records this person as married",
                "already_married",
            )
        if married_on > local_today():
            raise _invalid(
                "kk_change.marriage_date", "The marriage date is in the future", "marriage_in_future"
            )
        if married_on < subject.birth_date or age_on(subject.birth_date, married_on) < 16:
            raise _invalid(
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


def _current(uow: UnitOfWork, series_key: str) -> Document | None:
    return session_of(uow).scalar(
        select(Document).where(Document.series_key == series_key, Document.status == "valid")
    )


def _check_reprint(
    uow: UnitOfWork, me: Resident, spec: dict[str, Any]
) -> tuple[str | None, Resident, dict[str, Any], str]:
    document = spec["document"]
    details: dict[str, Any] = {"document": document, "police_report_number": spec["police_report_number"]}
    lost_on = _as_date(spec.get("lost_on"))
    if lost_on is not None:
        if lost_on > local_today():
            raise _invalid("reprint.lost_on", "The loss date is in the future", "lost_in_future")
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
        raise _invalid(
            "reprint.resident_nik",
            "A KIA is for children under 17; adults hold a KTP-el",
            "kia_not_applicable",
        )
    series = (
        certificates.akta_series(subject.id)
        if document == "akta_kelahiran"
        else certificates.kia_series(subject.id)
    )
    current = _current(uow, series)
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
        raise _invalid(
            "move_out.destination_region_code",
            "Not a Kemendagri kabupaten/kota or kecamatan code",
            "unknown_region",
        )
    region = region_code()
    if dotted == region or dotted.startswith(region + "."):
        raise _invalid(
            "move_out.destination_region_code",
            "The destination is within the city: apply for an address change instead",
            "destination_inside_city",
        )
    return dotted, entry[0], entry[1]


def _check_move_out(
    uow: UnitOfWork, me: Resident, spec: dict[str, Any]
) -> tuple[str | None, Resident, dict[str, Any], str]:
    code, name, level = _destination(spec["destination_region_code"])
    planned = _as_date(spec.get("planned_date"))
    movers: list[Resident] = []
    for nik in spec.get("member_niks") or [me.nik]:
        member = _relative(uow, me, nik, field="move_out.member_niks")
        if member.kk_number != me.kk_number:
            raise NotFound("No member of your KK with this NIK", reason="resident_not_found")
        if member.id in {m.id for m in movers}:
            raise _invalid("move_out.member_niks", "A member is listed twice", "duplicate_member")
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
            raise _invalid(
                "move_out.new_head_nik",
                "The head of family moves: name the member who becomes head of the remaining family",
                "new_head_required",
            )
        heir = next((m for m in staying if m.nik == new_head), None)
        if heir is None:
            raise _invalid(
                "move_out.new_head_nik", "The new head must be a member who stays", "new_head_invalid"
            )
        if age_on(heir.birth_date, local_today()) < ADULT_AGE and heir.marital_status not in MARRIED:
            raise _invalid("move_out.new_head_nik", "The new head must be an adult", "new_head_invalid")
        details["new_head_nik"] = heir.nik
    elif new_head:
        raise _invalid(
            "move_out.new_head_nik", "Only when the head of family moves and others stay", "new_head_invalid"
        )
    return None, movers[0], details, f"move_out:{me.kk_number}"


def _spec_of(application: Application) -> dict[str, Any]:
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


# ---- attachments ---------------------------------------------------------------------------------------


def _decode_all(items: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bytes]]:
    """Every upload checked (base64, size, declared type against magic bytes) before anything is written."""
    return [(item, uploads.decode(item, field=f"attachments.{i}")) for i, item in enumerate(items)]


def _store(uow: UnitOfWork, application: Application, files: list[tuple[dict[str, Any], bytes]]) -> None:
    now = clock.now()
    kinds = {item["kind"] for item, _ in files}
    if kinds:
        for old in session_of(uow).scalars(
            select(ApplicationAttachment).where(
                ApplicationAttachment.application_id == application.id,
                ApplicationAttachment.kind.in_(kinds),
                ApplicationAttachment.superseded_at.is_(None),
            )
        ):
            old.superseded_at = now
    for item, data in files:
        session_of(uow).add(
            ApplicationAttachment(
                application_id=application.id,
                kind=item["kind"],
                filename=item.get("filename"),
                content_type=item["content_type"],
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                uploaded_at=now,
            )
        )
    session_of(uow).flush()


def required_attachments(kind: str, sub_kind: str | None) -> tuple[str, ...]:
    return REQUIRED_ATTACHMENTS[(kind, sub_kind)]


def _require_attachments(uow: UnitOfWork, application: Application) -> None:
    have = set(
        session_of(uow).scalars(
            select(ApplicationAttachment.kind).where(
                ApplicationAttachment.application_id == application.id,
                ApplicationAttachment.superseded_at.is_(None),
            )
        )
    )
    missing = [k for k in required_attachments(application.kind, application.sub_kind) if k not in have]
    if missing:
        raise ValidationFailed(
            f"Missing required attachment: {', '.join(missing)}",
            reason="attachment_missing",
            errors={"json": {"attachments": [f"A file of kind {k} is required" for k in missing]}},
            extra={"missing": missing},
        )


# ---- events ---------------------------------------------------------------------------------------------


APPLICATIONS = Workflow(
    "application",
    transitions=(
        Transition("submitted", None, "submitted", roles=FAMILY),
        Transition("resubmitted", {"needs_correction"}, "submitted", roles=FAMILY),
        Transition("cancelled", OPEN_STATES, "cancelled", roles=FAMILY),
        Transition("review_started", {"submitted"}, "in_review", roles={"officer"}),
        Transition("note", WITH_OFFICE, None, roles={"officer"}),
        Transition("correction_requested", WITH_OFFICE, "needs_correction", roles={"officer"}),
        Transition("rejected", WITH_OFFICE, "rejected", roles={"officer"}),
        Transition("approved", WITH_OFFICE, "approved", roles={"officer"}),
    ),
)


def _step(
    uow: UnitOfWork,
    application: Application,
    kind: str,
    principal: Principal | None,
    note: str | None = None,
    *,
    visible: bool = True,
    initial: bool = False,
) -> ApplicationEvent:
    """Record a step, move the state, bump the version; the citizen is told after commit."""

    def row(change: Change) -> ApplicationEvent:
        return ApplicationEvent(
            id=new_id(),
            application_id=application.id,
            kind=kind,
            from_state=change.from_state,
            to_state=change.to_state,
            actor=change.actor.label,
            actor_id=change.actor.id,
            note=note,
            visible_to_citizen=visible,
            at=change.at,
        )

    event = APPLICATIONS.move(
        application,
        kind,
        role=role_of(principal),
        actor=actor_of(principal, citizen_label="citizen"),  # which family member: not shown
        history=row,
        note=note,
        initial=initial,
    )
    session_of(uow).add(event)
    if not initial:
        application.version += 1
    session_of(uow).flush()
    if visible:
        outbox.enqueue(uow, application_jobs.notify_step, application_id=application.id, event_id=event.id)
    return event


# ---- views ------------------------------------------------------------------------------------------------


def _is_overdue(application: Application, now: datetime) -> bool:
    return application.state in WITH_OFFICE and application.due_at < now


def _document_link(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "title": document.title,
        "number": document.number,
        "version": document.version,
        "status": document.status,
        "issued_at": document.issued_at,
        "pdf_url": documents.pdf_url(document),
        "verify_url": documents.verify_url(document),
    }


def application_view(uow: UnitOfWork, application: Application, *, staff: bool) -> dict[str, Any]:
    """The file as its applicant sees it; officers also see their internal notes."""
    session = session_of(uow)
    people = {
        r.id: r
        for r in session.scalars(
            select(Resident).where(
                Resident.id.in_({application.applicant_resident_id, application.subject_resident_id})
            )
        )
    }
    applicant = people.get(application.applicant_resident_id)
    subject = people.get(application.subject_resident_id)
    event_stmt = select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
    if not staff:
        event_stmt = event_stmt.where(ApplicationEvent.visible_to_citizen.is_(True))
    trail = list(session.scalars(event_stmt.order_by(ApplicationEvent.at, ApplicationEvent.id)))
    files = list(
        session.scalars(
            select(ApplicationAttachment)
            .where(ApplicationAttachment.application_id == application.id)
            .order_by(ApplicationAttachment.uploaded_at, ApplicationAttachment.id)
        )
    )
    docs: list[Document] = []
    if application.document_ids:
        found = {
            d.id: d
            for d in session.scalars(select(Document).where(Document.id.in_(application.document_ids)))
        }
        docs = [found[i] for i in application.document_ids if i in found]
    base = f"/api/v1/adminduk/applications/{application.id}"
    return {
        "id": application.id,
        "tracking_number": application.tracking_number,
        "kind": application.kind,
        "sub_kind": application.sub_kind,
        "state": application.state,
        "version": application.version,
        "applicant_name": applicant.full_name if applicant else "",
        "applicant_nik": wording.masked(applicant.nik if applicant else None),
        "subject_name": subject.full_name if subject else "",
        "subject_nik": wording.masked(subject.nik if subject else None),
        "details": _masked_details(application.details),
        "citizen_note": application.citizen_note,
        "channel": application.channel,
        "required_attachments": list(required_attachments(application.kind, application.sub_kind)),
        "sla_workdays": application.sla_workdays,
        "submitted_at": application.submitted_at,
        "due_at": application.due_at,
        "overdue": _is_overdue(application, clock.now()),
        "correction_note": application.correction_note,
        "resubmissions": application.resubmissions,
        "decision_reason": application.decision_reason,
        "decided_at": application.decided_at,
        "fee": 0,
        "attachments": [
            {
                "id": f.id,
                "kind": f.kind,
                "filename": f.filename,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "uploaded_at": f.uploaded_at,
                "superseded": f.superseded_at is not None,
                "url": f"{base}/attachments/{f.id}",
            }
            for f in files
        ],
        "events": [
            {
                "id": e.id,
                "kind": e.kind,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor": e.actor,
                "note": e.note,
                "visible_to_citizen": e.visible_to_citizen,
                "at": e.at,
            }
            for e in trail
        ],
        "documents": [_document_link(d) for d in docs],
        "created_at": application.created_at,
    }


def _masked_details(details: dict[str, Any]) -> dict[str, Any]:
    """NIKs in the details are shown masked (the response may be logged or cached by a client)."""
    out = dict(details)
    for key in ("resident_nik", "new_head_nik"):
        if out.get(key):
            out[key] = wording.masked(out[key])
    if out.get("member_niks"):
        out["member_niks"] = [wording.masked(n) for n in out["member_niks"]]
    return out


# ---- citizens: file, read, resubmit, cancel --------------------------------------------------------------


def _dedupe_conflict(uow: UnitOfWork, key: str) -> None:
    existing = session_of(uow).scalar(select(Application.id).where(Application.dedupe_key == key))
    if existing:
        raise Conflict(
            "An application for this is already open",
            reason="application_open",
            extra={"existing_id": existing},
        )


def submit(uow: UnitOfWork, *, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """File an application for yourself or your family (the counter: for the citizen present)."""
    files = _decode_all(data.get("attachments") or [])
    with uow:
        me = _applicant(uow, principal)
        kind = data["kind"]
        sub_kind, subject, details, dedupe = _check(uow, me=me, kind=kind, spec=data[kind])
        _dedupe_conflict(uow, dedupe)
        now = clock.now()
        days = SLA_WORKDAYS[kind]
        application = Application(
            id=new_id(),
            tracking_number=numbers.tracking_number("PM", local_today()),
            kind=kind,
            sub_kind=sub_kind,
            state="submitted",
            version=1,
            applicant_resident_id=me.id,
            subject_resident_id=subject.id,
            kk_number=me.kk_number,
            details=details,
            citizen_note=data.get("note"),
            channel="counter" if principal.on_behalf_of else "app",
            filed_by=actor_of(principal, citizen_label="citizen").label,
            filed_by_id=principal.id,
            dedupe_key=dedupe,
            sla_workdays=days,
            submitted_at=now,
            due_at=SlaClock.load(uow).due_in_days(now, days),
            resubmissions=0,
            document_ids=[],
        )
        session_of(uow).add(application)
        try:
            session_of(uow).flush()
        except IntegrityError:
            # A concurrent request filed the same thing first: point at it.
            session_of(uow).rollback()
            _dedupe_conflict(uow, dedupe)
            raise
        _store(uow, application, files)
        _require_attachments(uow, application)
        _step(uow, application, "submitted", principal, data.get("note"), initial=True)
        if principal.on_behalf_of:
            for resident_id in {me.id, subject.id}:
                audit.record(
                    uow,
                    actor=principal,
                    resident_id=resident_id,
                    action="file:application",
                    resource=f"application:{application.id}",
                )
        view = application_view(uow, application, staff=False)
        uow.commit()
        return view


def _visible(
    uow: UnitOfWork, principal: Principal, application_id: str, *, lock: bool = False, audited: bool = True
) -> Application:
    """Officers of Disdukcapil (audited), the applicant and the person concerned; others: 404."""
    stmt = select(Application).where(Application.id == application_id)
    if lock and uow.is_postgres:
        stmt = stmt.with_for_update()
    application = session_of(uow).scalar(stmt)
    if application is not None:
        if is_disdukcapil_officer(principal):
            for resident_id in dict.fromkeys(
                (application.applicant_resident_id, application.subject_resident_id) if audited else ()
            ):
                audit.record(
                    uow,
                    actor=principal,
                    resident_id=resident_id,
                    action="read:application",
                    resource=f"application:{application.id}",
                )
            return application
        if principal.is_citizen or principal.on_behalf_of:
            me = subject_resident_id(principal)
            if me in (application.applicant_resident_id, application.subject_resident_id):
                return application
    raise NotFound("Application not found", reason="application_not_found")


def get(uow: UnitOfWork, *, principal: Principal, application_id: str) -> dict[str, Any]:
    with uow:
        application = _visible(uow, principal, application_id)
        view = application_view(uow, application, staff=is_disdukcapil_officer(principal))
        uow.commit()
        return view


def mine(
    uow: UnitOfWork, *, principal: Principal, state: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """My applications and those about me, newest first."""
    with uow:
        me = subject_resident_id(principal)
        where = [or_(Application.applicant_resident_id == me, Application.subject_resident_id == me)]
        if state:
            where.append(Application.state == state)
        total = session_of(uow).scalar(select(func.count()).select_from(Application).where(*where)) or 0
        rows = list(
            session_of(uow).scalars(
                select(Application)
                .where(*where)
                .order_by(Application.created_at.desc(), Application.id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        )
        views = [application_view(uow, row, staff=False) for row in rows]
        uow.commit()
        return views, total


def attachment(
    uow: UnitOfWork, *, principal: Principal, application_id: str, attachment_id: str
) -> tuple[bytes, str, str]:
    with uow:
        application = _visible(uow, principal, application_id)
        row = session_of(uow).get(ApplicationAttachment, attachment_id)
        if row is None or row.application_id != application.id:
            raise NotFound("Attachment not found", reason="attachment_not_found")
        result = (row.data, row.content_type, row.filename or f"{row.kind}")
        uow.commit()
        return result


def _own(principal: Principal, application: Application) -> None:
    """Only the applicant (or the counter serving them) resubmits or cancels."""
    if (principal.is_citizen or principal.on_behalf_of) and subject_resident_id(
        principal
    ) == application.applicant_resident_id:
        return
    raise NotFound("Application not found", reason="application_not_found")


def resubmit(
    uow: UnitOfWork, *, principal: Principal, application_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """After a request for correction: corrected data and/or files; the SLA clock starts again."""
    files = _decode_all(data.get("attachments") or [])
    with uow:
        application = _visible(uow, principal, application_id, lock=True)
        _own(principal, application)
        if application.state != "needs_correction":
            raise Conflict(
                f"The application is {application.state}; only one sent back for correction is resubmitted",
                reason="not_awaiting_correction",
            )
        other = next((k for k in ("kk_change", "reprint", "move_out") if data.get(k)), None)
        if other and other != application.kind:
            raise _invalid(other, f"This application is a {application.kind}", "wrong_application_kind")
        me = _applicant(uow, principal)
        spec = data.get(application.kind) or _spec_of(application)
        sub_kind, subject, details, dedupe = _check(uow, me=me, kind=application.kind, spec=spec)
        if sub_kind != application.sub_kind:
            raise _invalid(
                application.kind,
                "The kind of change cannot change; file a new application",
                "wrong_application_kind",
            )
        if dedupe != application.dedupe_key:
            _dedupe_conflict(uow, dedupe)
            application.dedupe_key = dedupe
        application.details = details
        application.subject_resident_id = subject.id
        if data.get("note"):
            application.citizen_note = data["note"]
        _store(uow, application, files)
        _require_attachments(uow, application)
        now = clock.now()
        application.submitted_at = now
        application.due_at = SlaClock.load(uow).due_in_days(now, application.sla_workdays)
        application.resubmissions += 1
        _step(uow, application, "resubmitted", principal, data.get("note"))
        if principal.on_behalf_of:
            audit.record(
                uow,
                actor=principal,
                resident_id=application.applicant_resident_id,
                action="resubmit:application",
                resource=f"application:{application.id}",
            )
        view = application_view(uow, application, staff=False)
        uow.commit()
        return view


def cancel(
    uow: UnitOfWork, *, principal: Principal, application_id: str, reason: str | None
) -> dict[str, Any]:
    """The applicant withdraws an application that is not decided yet."""
    with uow:
        application = _visible(uow, principal, application_id, lock=True)
        _own(principal, application)
        if application.state not in OPEN_STATES:
            raise Conflict(f"The application is already {application.state}", reason="application_closed")
        application.dedupe_key = None
        application.decided_at = clock.now()
        _step(uow, application, "cancelled", principal, reason)
        view = application_view(uow, application, staff=False)
        uow.commit()
        return view


# ---- officers: the queue and the transitions --------------------------------------------------------------


def queue(
    uow: UnitOfWork,
    *,
    principal: Principal,
    state: str | None,
    kind: str | None,
    sub_kind: str | None,
    older_than_days: int | None,
    overdue: bool | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Disdukcapil's queue, oldest (re)submission first; by default the files with the office."""
    _require_officer(principal)
    now = clock.now()
    with uow:
        where = [Application.state == state] if state else [Application.state.in_(WITH_OFFICE)]
        if kind:
            where.append(Application.kind == kind)
        if sub_kind:
            where.append(Application.sub_kind == sub_kind)
        if older_than_days is not None:
            where.append(Application.submitted_at <= now - timedelta(days=older_than_days))
        if overdue is True:
            where += [Application.state.in_(WITH_OFFICE), Application.due_at < now]
        elif overdue is False:
            where.append(or_(Application.state.not_in(WITH_OFFICE), Application.due_at >= now))
        total = session_of(uow).scalar(select(func.count()).select_from(Application).where(*where)) or 0
        rows = list(
            session_of(uow).execute(
                select(Application, Resident.full_name, Resident.nik)
                .join(Resident, Resident.id == Application.applicant_resident_id)
                .where(*where)
                .order_by(Application.submitted_at, Application.id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        )
        items = []
        for application, name, nik in rows:
            audit.record(
                uow,
                actor=principal,
                resident_id=application.applicant_resident_id,
                action="list:applications",
                resource=f"application:{application.id}",
            )
            items.append(
                {
                    "id": application.id,
                    "tracking_number": application.tracking_number,
                    "kind": application.kind,
                    "sub_kind": application.sub_kind,
                    "state": application.state,
                    "applicant_name": name,
                    "applicant_nik": wording.masked(nik),
                    "channel": application.channel,
                    "submitted_at": application.submitted_at,
                    "due_at": application.due_at,
                    "overdue": _is_overdue(application, now),
                    "age_days": (now - application.submitted_at).days,
                    "url": f"/api/v1/adminduk/applications/{application.id}",
                }
            )
        uow.commit()
        return items, total


def _for_officer(
    uow: UnitOfWork, principal: Principal, application_id: str, expected_version: int | None
) -> Application:
    _require_officer(principal)
    application = _visible(uow, principal, application_id, lock=True)
    check_version(application.version, expected_version, what="application")
    return application


def view_for_update(uow: UnitOfWork, *, principal: Principal, application_id: str) -> dict[str, Any]:
    """The officer's view as it is now, to compare with an If-Match (not an audited read: the change
    that follows is audited)."""
    _require_officer(principal)
    with uow:
        return application_view(uow, _visible(uow, principal, application_id, audited=False), staff=True)


def _with_office(application: Application) -> None:
    if application.state not in WITH_OFFICE:
        raise Conflict(
            f"The application is {application.state}, not with the office",
            reason="application_not_with_office",
        )


def start_review(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """An officer takes a submitted application into review."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        if application.state != "submitted":
            raise Conflict(f"The application is {application.state}, not submitted", reason="not_submitted")
        application.assigned_officer_id = principal.id
        _step(uow, application, "review_started", principal, note)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def add_note(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str,
    visible_to_citizen: bool,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """A note on the file: internal, or shown (and sent) to the citizen."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        _step(uow, application, "note", principal, note, visible=visible_to_citizen)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def request_correction(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Back to the citizen with what to correct; the SLA clock stops until they resubmit."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        _with_office(application)
        application.correction_note = note
        application.assigned_officer_id = principal.id
        _step(uow, application, "correction_requested", principal, note)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def reject(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    reason: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        _with_office(application)
        application.decision_reason = reason
        application.decided_at = clock.now()
        application.dedupe_key = None
        _step(uow, application, "rejected", principal, reason)
        audit.record(
            uow,
            actor=principal,
            resident_id=application.subject_resident_id,
            action="decide:application",
            resource=f"application:{application.id}",
            reason=reason,
        )
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


def approve(
    uow: UnitOfWork,
    *,
    principal: Principal,
    application_id: str,
    note: str | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """One transaction: the registry changes, the new document versions, the decision and its event."""
    with uow:
        application = _for_officer(uow, principal, application_id, expected_version)
        _with_office(application)
        applicant = session_of(uow).get(Resident, application.applicant_resident_id)
        if applicant is None or not applicant.is_active:
            raise Conflict("The applicant no longer lives in the city", reason="applicant_not_active")
        # The registry may have changed since filing (a death, another application): check again.
        try:
            _, subject, details, _ = _check(
                uow, me=applicant, kind=application.kind, spec=_spec_of(application)
            )
        except (NotFound, ValidationFailed) as err:
            raise Conflict(
                f"The registry no longer allows this application: {err.message}",
                reason="registry_changed",
                extra={"cause": err.reason},
            ) from None
        docs = _apply(
            uow, application, applicant=applicant, subject=subject, details=details, principal=principal
        )
        application.details = details | (
            {"skpwni_number": docs[0].number} if application.kind == "move_out" else {}
        )
        application.document_ids = [d.id for d in docs]
        application.decision_reason = note
        application.decided_at = clock.now()
        application.dedupe_key = None
        _step(uow, application, "approved", principal, note)
        audit.record(
            uow,
            actor=principal,
            resident_id=application.subject_resident_id,
            action="decide:application",
            resource=f"application:{application.id}",
            reason=note,
        )
        events.publish(uow, APPLICATION_APPROVED, application_id=application.id, kind=application.kind)
        view = application_view(uow, application, staff=True)
        uow.commit()
        return view


# ---- applying an approved application to the registry ----------------------------------------------------


def _apply(
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
        married_on = _as_date(details["marriage_date"])
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
        current = _current(uow, certificates.kia_series(child.id))
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
    current = _current(uow, series)
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


def _apply_move_out(
    uow: UnitOfWork, *, applicant: Resident, details: dict[str, Any], ref: str
) -> list[Document]:
    """SKPWNI for the movers; they leave the registry of the city and the KK (a new version, or none left)."""
    today = local_today()
    kk_number = applicant.kk_number
    movers = [resident_by_nik(uow, nik) for nik in details["member_niks"]]
    assert all(movers)
    before = family.living_members(uow, kk_number)
    head = family.head_of(before)
    number = numbers.akta_number(
        uow, template=SKPWNI_TEMPLATE, kind="SKPWNI", kabkota=numbers.kabkota_code(), on=today
    )
    origin = head or applicant
    kelurahan = wilayah.name_of(origin.kelurahan_code) or "-"
    kecamatan = wilayah.name_of(origin.kelurahan_code[:8]) or "-"
    destination = details["destination_region"]
    if details["destination_level"] == "kecamatan":
        city = wilayah.name_of(details["destination_region_code"][:5]) or ""
        destination = f"Kec. {destination}, {city}"
    first = movers[0]
    assert first is not None
    skpwni = documents.issue(
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
        current = _current(uow, family.kk_series_key(kk_number))
        if current is not None:
            documents.revoke(
                uow, document_id=current.id, reason=f"Seluruh anggota keluarga pindah (SKPWNI {number})"
            )
    return docs

"""Complaint use cases: intake on every channel, access rules, the workflow, deadlines, views.

Every function takes a UnitOfWork (not yet entered) and keyword arguments; `principal` is the
caller (citizen, staff, machine client) or None for the public / the SMS provider. Time-dependent
functions take `now=` (aware UTC) so tests and jobs can move the clock.

For the Open311 layer (services/complaints/open311.py) the useful entry points are:
  create_complaint(uow, principal=<client with scope open311:write>, category_code=…, …) → Complaint
  public_list(uow, …) → (rows, total)       confidential never included
  get_public(uow, number=…) → Complaint       404 for confidential / unknown
  category_by_code / list_categories          the catalogue (= Open311 services)
  public_events(uow, complaint_ids=…)         public history, for servicerequestupdates
  reporter_visible_to_public(c) / status_label(c)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from gateway import audit, notify, outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, insert_once, session_of
from gateway.documents.render import MONTHS_ID as MONTHS
from gateway.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from gateway.identity import nik as nik_rules
from gateway.identity import wilayah
from gateway.identity.models import CitizenAccount, Resident, Staff
from gateway.kernel import clock
from gateway.kernel.settings import region_code
from gateway.kernel.sla import Ladder, SlaClock, mark_once
from gateway.kernel.workflow import Transition, Workflow, actor_of, check_version
from services.complaints import jobs, numbers, photos  # jobs: enqueued by reference (imports us back)
from services.complaints.catalogue import DESK_OPD, EMERGENCY_CODES, OTHER
from services.complaints.errors import EmergencyCall112
from services.complaints.models import (
    CHANNELS,
    OPEN_STATES,
    PRIVACY,
    STATES,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintFollower,
    ComplaintPhoto,
    ComplaintRating,
    ComplaintSweepMark,
    InboundMessage,
    StaffNotice,
)

# Pematang Siantar's bounding box (generous by a few hundred metres at each edge).
LAT_RANGE = (2.90, 3.02)
LON_RANGE = (99.00, 99.12)
MAX_DESCRIPTION = 4000
NEARBY_METRES = 250
NEARBY_DAYS = 30
REOPEN_WORKDAYS = 10
AUTO_CLOSE_WORKDAYS = 10
OPEN311_SCOPE = "open311:write"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# States a complaint only reaches after it was assigned to an OPD.
ASSIGNED_STATES = ("assigned", "in_progress", "resolved", "closed")

STATUS_LABELS = {
    "submitted": "diterima, menunggu verifikasi",
    "verified": "terverifikasi",
    "rejected": "ditolak",
    "assigned": "diteruskan ke OPD",
    "in_progress": "sedang dikerjakan",
    "resolved": "selesai ditangani",
    "closed": "ditutup",
    "duplicate": "digabung dengan pengaduan lain",
}


def _now(now: datetime | None) -> datetime:
    return now or clock.now()


def _invalid(field: str, message: str, reason: str = "validation_failed") -> ValidationFailed:
    return ValidationFailed(message, reason=reason, errors={"json": {field: [message]}})


# ---- catalogue ----------------------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-]+", "_", (code or "").strip().lower())


def category_by_code(uow: UnitOfWork, code: str) -> ComplaintCategory | None:
    """A category (Open311 service) by code; 'gawat darurat' and 'gawat-darurat' mean 'gawat_darurat'."""
    return session_of(uow).get(ComplaintCategory, normalize_code(code))


def list_categories(uow: UnitOfWork, *, include_emergency: bool = True) -> list[ComplaintCategory]:
    """The active catalogue in display order (emergency entries last, flagged `emergency`)."""
    with uow:
        stmt = select(ComplaintCategory).where(ComplaintCategory.active.is_(True))
        if not include_emergency:
            stmt = stmt.where(ComplaintCategory.emergency.is_(False))
        return list(session_of(uow).scalars(stmt.order_by(ComplaintCategory.sort)))


def guess_category(categories: Iterable[ComplaintCategory], text: str) -> str:
    """Best keyword match for a free-text message (emergencies included); 'lainnya' when none."""
    lowered = " ".join(re.findall(r"[a-z0-9\-]+", text.lower()))
    words = set(lowered.split())
    best, best_score = OTHER, 0
    for category in categories:
        # a phrase keyword ("jalan rusak") matches as a phrase, a word keyword as a whole word
        score = sum(1 for k in category.keywords if (f" {k} " in f" {lowered} " if " " in k else k in words))
        # Emergencies win ties: better to tell someone to call 112 once too often.
        if score > best_score or (score and score == best_score and category.emergency):
            best, best_score = category.code, score
    return best


def _validate_attributes(
    category: ComplaintCategory, given: dict[str, Any], *, strict: bool
) -> dict[str, Any]:
    """Answers to the category's Open311 attributes: known codes, allowed values, required ones present."""
    spec = {a["code"]: a for a in category.attributes}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for code, value in (given or {}).items():
        attr = spec.get(code)
        if attr is None:
            errors[code] = ["Unknown attribute for this category"]
            continue
        if attr["datatype"] == "singlevaluelist":
            keys = {v["key"] for v in attr["values"]}
            if str(value) not in keys:
                errors[code] = [f"Must be one of: {', '.join(sorted(keys))}"]
                continue
            value = str(value)
        elif attr["datatype"] == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                errors[code] = ["Must be a number"]
                continue
        else:
            value = str(value).strip()[:200]
        clean[code] = value
    if strict:
        for code, attr in spec.items():
            if attr.get("required") and code not in clean and code not in errors:
                errors[code] = ["Required for this category"]
    if errors:
        raise ValidationFailed(
            "Invalid category attributes",
            reason="invalid_attributes",
            errors={"json": {"attributes": errors}},
        )
    return clean


# ---- who is calling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """The caller as the workflow sees them."""

    principal: Principal | None
    staff: Staff | None

    @property
    def is_staff(self) -> bool:
        return self.principal is not None and self.principal.is_staff

    @property
    def is_admin(self) -> bool:
        return self.principal is not None and self.principal.role == "admin"

    @property
    def is_desk(self) -> bool:
        """The city's complaint desk triages: position complaint_desk, any DISKOMINFO officer, admins."""
        if self.is_admin:
            return True
        if self.principal is None or self.principal.role != "officer":
            return False
        return self.principal.opd == DESK_OPD or bool(self.staff and self.staff.position == "complaint_desk")

    @property
    def is_secretary(self) -> bool:
        return bool(self.staff and self.staff.position == "city_secretary")

    @property
    def opd(self) -> str | None:
        return self.principal.opd if self.principal else None

    def resident_id(self) -> str | None:
        """The citizen a request is about: the citizen, or the one a counter officer serves."""
        p = self.principal
        if p is None:
            return None
        if p.is_citizen:
            return p.resident_id
        return p.on_behalf_of


def _actor(uow: UnitOfWork, principal: Principal | None) -> Actor:
    staff = None
    if principal is not None and principal.is_staff:
        staff = session_of(uow).get(Staff, principal.id)
    return Actor(principal, staff)


def _is_reporter(actor: Actor, c: Complaint) -> bool:
    rid = actor.resident_id()
    return rid is not None and c.reporter_resident_id == rid


def _is_handler(actor: Actor, c: Complaint) -> bool:
    """Staff who work this complaint: the desk, the city secretary, or the OPD it is assigned to."""
    if not actor.is_staff or actor.principal is None or actor.principal.role not in ("officer", "admin"):
        return False
    if actor.is_desk or actor.is_secretary:
        return True
    return c.assigned_at is not None and actor.opd == c.opd_code


def access_level(actor: Actor, c: Complaint) -> str | None:
    """'staff', 'reporter', 'public', or None (may not see it → 404)."""
    if _is_handler(actor, c):
        return "staff"
    if _is_reporter(actor, c):
        return "reporter"
    if c.privacy == "confidential":
        return None
    return "public"


def reporter_visible_to_public(c: Complaint) -> bool:
    """Only `public` complaints show (a shortened) reporter name to the public."""
    return c.privacy == "public"


def status_label(c: Complaint) -> str:
    return STATUS_LABELS.get(c.state, c.state)


# ---- intake -------------------------------------------------------------------------------------------


def _check_location(
    lat: float | None,
    lon: float | None,
    kelurahan_code: str | None,
    address: str | None,
    *,
    required: bool = True,
) -> tuple[float | None, float | None, str | None, str | None]:
    if (lat is None) != (lon is None):
        raise _invalid("lat" if lat is None else "lon", "Give both lat and lon", "invalid_location")
    inside = lat is None or (
        LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= (lon or 0) <= LON_RANGE[1]
    )
    if not inside:
        raise ValidationFailed(
            "Location is outside Kota Pematangsiantar",
            reason="outside_city",
            errors={"json": {"lat": ["outside the city"], "lon": ["outside the city"]}},
        )
    address = (address or "").strip()[:300] or None
    if kelurahan_code:
        codes = {code for code, _ in wilayah.kelurahan_of(region_code())}
        if kelurahan_code not in codes:
            raise _invalid("kelurahan_code", "Not a kelurahan of Kota Pematangsiantar", "invalid_location")
        if lat is None and not address:
            raise _invalid("address", "An address is required with a kelurahan", "invalid_location")
    elif lat is None and required:
        raise ValidationFailed(
            "Give a location: lat/lon, or a kelurahan and an address",
            reason="location_required",
            errors={"json": {"lat": ["lat/lon or kelurahan_code + address required"]}},
        )
    return lat, lon, kelurahan_code, address


def _account_by_phone(uow: UnitOfWork, phone: str | None) -> CitizenAccount | None:
    if not phone:
        return None
    return session_of(uow).scalar(
        select(CitizenAccount).where(CitizenAccount.phone == phone, CitizenAccount.status == "active")
    )


def _deadlines(uow: UnitOfWork, category: ComplaintCategory, start: datetime) -> tuple[datetime, datetime]:
    sla = SlaClock.load(uow)
    return (
        sla.due_in_days(start, max(category.verify_days, 1)),
        sla.due_in_days(start, max(category.answer_days, 1)),
    )


def create_complaint(
    uow: UnitOfWork,
    *,
    principal: Principal | None,
    category_code: str,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    kelurahan_code: str | None = None,
    address: str | None = None,
    privacy: str = "public",
    attributes: dict[str, Any] | None = None,
    photos_raw: list[bytes] | None = None,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    reporter_email: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """File a complaint on any channel; returns it with its new number (committed).

    The channel follows from the caller: a citizen → "app"; counter staff with X-On-Behalf-Of →
    "counter" (the served citizen is the reporter); counter staff without it → "call_centre"
    (reporter_name and reporter_phone of the caller required); a machine client with scope
    open311:write → "open311"; principal None → `channel` must be "sms" or "whatsapp" (the
    inbound webhook). Emergencies raise EmergencyCall112 (422 emergency_call_112).
    """
    with uow:
        complaint = _file(
            uow,
            principal=principal,
            category_code=category_code,
            description=description,
            lat=lat,
            lon=lon,
            kelurahan_code=kelurahan_code,
            address=address,
            privacy=privacy,
            attributes=attributes,
            photos_raw=photos_raw,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            reporter_email=reporter_email,
            channel=channel,
            now=_now(now),
        )
        uow.commit()
        return complaint


def _file(uow: UnitOfWork, *, principal: Principal | None, now: datetime, **data: Any) -> Complaint:
    category = category_by_code(uow, data["category_code"])
    if category is None or not category.active:
        raise _invalid("category_code", "Unknown category", "unknown_category")
    if category.emergency or category.code in EMERGENCY_CODES:
        raise EmergencyCall112(category.code)
    description = (data["description"] or "").strip()
    if not description:
        raise _invalid("description", "Describe the problem")
    if len(description) > MAX_DESCRIPTION:
        raise _invalid("description", f"At most {MAX_DESCRIPTION} characters")
    privacy = data.get("privacy") or "public"
    if privacy not in PRIVACY:
        raise _invalid("privacy", f"One of {', '.join(PRIVACY)}")

    # Who files, on which channel, for whom.
    channel = data.get("channel")
    reporter_resident_id = None
    filed_by_staff_id = filed_by_client_id = None
    name, phone, email = data.get("reporter_name"), data.get("reporter_phone"), data.get("reporter_email")
    if principal is None:
        if channel not in ("sms", "whatsapp"):
            raise Forbidden("Authentication required", reason="authentication_required")
        if not phone:
            raise _invalid("reporter_phone", "Sender phone required")
    elif principal.is_citizen:
        channel, reporter_resident_id = "app", principal.resident_id
        name = email = None
    elif principal.is_staff and principal.role in ("counter", "admin"):
        filed_by_staff_id = principal.id
        if principal.on_behalf_of:
            channel, reporter_resident_id = "counter", principal.on_behalf_of
        else:
            channel = "call_centre"
            if not (name and name.strip()) or not phone:
                raise ValidationFailed(
                    "The call centre must record the caller's name and phone",
                    reason="caller_required",
                    errors={"json": {"reporter_name": ["required"], "reporter_phone": ["required"]}},
                )
    elif principal.is_client:
        principal.require_scope(OPEN311_SCOPE)
        channel, filed_by_client_id = "open311", principal.id
    else:
        raise Forbidden(
            "Officers answer complaints; citizens and the counter file them", reason="role_not_allowed"
        )
    assert channel in CHANNELS

    lat, lon, kel, address = _check_location(
        data.get("lat"),
        data.get("lon"),
        data.get("kelurahan_code"),
        data.get("address"),
        # A text message has no map pin; the desk completes the location during triage.
        required=channel not in ("sms", "whatsapp"),
    )
    attributes = _validate_attributes(
        category, data.get("attributes") or {}, strict=channel not in ("sms", "whatsapp")
    )
    cleaned = photos.clean_all(list(data.get("photos_raw") or []))

    if reporter_resident_id is None and phone:
        # A caller or texter who has an account is linked, so the complaint shows in their app.
        account = _account_by_phone(uow, phone)
        if account is not None:
            reporter_resident_id = account.resident_id

    verify_due, answer_due = _deadlines(uow, category, now)
    complaint = Complaint(
        number=numbers.next_number(uow, now=now),
        category_code=category.code,
        opd_code=category.opd_code,
        state="submitted",
        channel=channel,
        privacy=privacy,
        description=description,
        attributes=attributes,
        lat=lat,
        lon=lon,
        kelurahan_code=kel,
        address=address,
        reporter_resident_id=reporter_resident_id,
        reporter_name=(name or "").strip()[:120] or None,
        reporter_phone=phone,
        reporter_email=email,
        filed_by_staff_id=filed_by_staff_id,
        filed_by_client_id=filed_by_client_id,
        created_at=now,
        updated_at=now,
        verify_due_at=verify_due,
        answer_due_at=answer_due,
    )
    session_of(uow).add(complaint)
    session_of(uow).flush()
    for position, photo in enumerate(cleaned):
        session_of(uow).add(
            ComplaintPhoto(
                complaint_id=complaint.id,
                position=position,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size=len(photo.data),
                data=photo.data,
                created_at=now,
            )
        )
    note = None
    if channel == "call_centre":
        note = "Dicatat oleh call centre atas telepon pelapor"
    elif channel == "counter":
        note = "Dicatat di loket Mal Pelayanan Publik"
    _event(
        uow,
        complaint,
        principal,
        "transition",
        None,
        "submitted",
        note=note,
        public=True,
        now=now,
        notify=True,
    )
    if principal is not None and principal.is_staff and reporter_resident_id:
        audit.record(
            uow,
            actor=principal,
            resident_id=reporter_resident_id,
            action="file:complaint",
            resource=f"complaint:{complaint.number}",
        )
    return complaint


# ---- history and notifications ------------------------------------------------------------------------


def _event(
    uow: UnitOfWork,
    complaint: Complaint,
    principal: Principal | None,
    kind: str,
    from_state: str | None,
    to_state: str | None,
    *,
    now: datetime,
    note: str | None = None,
    public: bool = True,
    from_opd: str | None = None,
    to_opd: str | None = None,
    notify: bool = False,
    actor_kind: str | None = None,
) -> ComplaintEvent:
    """Record one history row; public status changes also notify the reporter and followers."""
    # History rows are numbered per complaint, so writers of one complaint take turns: the row lock
    # (PostgreSQL) or the database write lock (SQLite, via a no-op UPDATE) comes before the last
    # number is read.
    table = Complaint.__table__
    if uow.is_postgres:
        session_of(uow).execute(select(table.c.id).where(table.c.id == complaint.id).with_for_update())
    else:
        noop = table.update().where(table.c.id == complaint.id).values(updated_at=table.c.updated_at)
        session_of(uow).execute(noop)
    last = select(func.max(ComplaintEvent.seq)).where(ComplaintEvent.complaint_id == complaint.id)
    seq = (session_of(uow).scalar(last) or 0) + 1
    event = ComplaintEvent(
        complaint_id=complaint.id,
        seq=seq,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        from_opd=from_opd,
        to_opd=to_opd,
        note=note,
        public=public,
        actor_kind=actor_kind or (principal.kind if principal else "system"),
        actor_id=principal.id if principal else None,
        actor_role=principal.role if principal else None,
        actor_opd=principal.opd if principal else None,
        created_at=now,
    )
    session_of(uow).add(event)
    session_of(uow).flush()
    if notify and public:
        outbox.enqueue(uow, jobs.notify_event, event_id=event.id)
    return event


def _save(uow: UnitOfWork) -> None:
    """Flush, turning a lost optimistic-lock race into a 409 the client can retry."""
    try:
        uow.flush()
    except StaleDataError as exc:
        raise Conflict("The complaint changed meanwhile; try again", reason="concurrent_update") from exc


def _touch(c: Complaint, now: datetime) -> None:
    """Mark a change; the UPDATE bumps `version` (the mapper's version_id_col) and checks the old one."""
    c.updated_at = now


# ---- reading ------------------------------------------------------------------------------------------


def _load(uow: UnitOfWork, number: str, *, lock: bool = False) -> Complaint:
    try:
        number = numbers.parse(number)
    except numbers.InvalidNumber as exc:
        raise NotFound("Complaint not found", reason="complaint_not_found") from exc
    stmt = select(Complaint).where(Complaint.number == number)
    if lock and uow.is_postgres:
        stmt = stmt.with_for_update()
    complaint = session_of(uow).scalar(stmt)
    if complaint is None:
        raise NotFound("Complaint not found", reason="complaint_not_found")
    return complaint


def get_public(uow: UnitOfWork, *, number: str) -> Complaint:
    """A complaint the public may see (404 for confidential or unknown numbers)."""
    with uow:
        c = _load(uow, number)
        if c.privacy == "confidential":
            raise NotFound("Complaint not found", reason="complaint_not_found")
        return c


def public_events(uow: UnitOfWork, *, complaint_ids: list[str]) -> dict[str, list[ComplaintEvent]]:
    """Public history rows per complaint id, oldest first (call inside an entered uow)."""
    out: dict[str, list[ComplaintEvent]] = {cid: [] for cid in complaint_ids}
    if not complaint_ids:
        return out
    stmt = (
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id.in_(complaint_ids), ComplaintEvent.public.is_(True))
        .order_by(ComplaintEvent.seq)
    )
    for event in session_of(uow).scalars(stmt):
        out[event.complaint_id].append(event)
    return out


def _public_filters(
    numbers_in: list[str] | None,
    category_codes: list[str] | None,
    states: list[str] | None,
    start: datetime | None,
    end: datetime | None,
) -> list[Any]:
    """WHERE conditions of the public lists: non-confidential, by numbers, categories, states,
    created_at in [start, end] (each filter only if given)."""
    conds: list[Any] = [Complaint.privacy != "confidential"]
    if numbers_in:
        conds.append(Complaint.number.in_(numbers_in))
    if category_codes:
        conds.append(Complaint.category_code.in_(category_codes))
    if states:
        conds.append(Complaint.state.in_(states))
    if start:
        conds.append(Complaint.created_at >= start)
    if end:
        conds.append(Complaint.created_at <= end)
    return conds


def public_list(
    uow: UnitOfWork,
    *,
    numbers_in: list[str] | None = None,
    category_codes: list[str] | None = None,
    states: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
    newest_first: bool = True,
) -> tuple[list[Complaint], int]:
    """Non-confidential complaints filtered by numbers, categories, states, created_at in [start, end]."""
    with uow:
        conds = _public_filters(numbers_in, category_codes, states, start, end)
        total = session_of(uow).scalar(select(func.count()).select_from(Complaint).where(*conds)) or 0
        order = Complaint.created_at.desc() if newest_first else Complaint.created_at
        rows = list(
            session_of(uow).scalars(
                select(Complaint).where(*conds).order_by(order, Complaint.id).limit(limit).offset(offset)
            )
        )
        return rows, total


def _display_name(full: str | None) -> str | None:
    """'MARIA SINAGA' → 'Maria S.' — enough to recognise oneself, not enough to find someone."""
    if not full:
        return None
    parts = full.split()
    first = parts[0].capitalize()
    return f"{first} {parts[-1][0].upper()}." if len(parts) > 1 else first


def _reporter_block(uow: UnitOfWork, c: Complaint) -> dict[str, Any]:
    name, phone = c.reporter_name, c.reporter_phone
    nik = None
    if c.reporter_resident_id:
        resident = session_of(uow).get(Resident, c.reporter_resident_id)
        if resident is not None:
            name, nik = resident.full_name, resident.nik
        if phone is None:
            phone = session_of(uow).scalar(
                select(CitizenAccount.phone).where(CitizenAccount.resident_id == c.reporter_resident_id)
            )
    # Nobody handling a complaint needs the full NIK: enough to tell two people of the same name apart.
    masked = nik_rules.mask(nik) if nik else None
    return {"name": name, "phone": phone, "email": c.reporter_email, "nik": masked}


def _by(e: ComplaintEvent) -> str | None:
    """Who did it, as the history shows it: a "me too" is a supporter's, never the reporter's."""
    if e.kind == "support":
        return "pendukung"
    if e.actor_kind == "citizen":
        return "warga"
    return e.actor_role or e.actor_kind


def view(uow: UnitOfWork, c: Complaint, *, level: str, actor: Actor | None = None) -> dict[str, Any]:
    """The complaint as `level` ('public' | 'reporter' | 'staff') may see it (call inside an entered uow)."""
    category = session_of(uow).get(ComplaintCategory, c.category_code)
    events_stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)
    if level != "staff":
        events_stmt = events_stmt.where(ComplaintEvent.public.is_(True))
    events = list(session_of(uow).scalars(events_stmt.order_by(ComplaintEvent.seq)))
    photo_ids = list(
        session_of(uow).scalars(
            select(ComplaintPhoto.id)
            .where(ComplaintPhoto.complaint_id == c.id)
            .order_by(ComplaintPhoto.position)
        )
    )
    rating = session_of(uow).scalar(select(ComplaintRating).where(ComplaintRating.complaint_id == c.id))
    duplicate_of = (
        session_of(uow).scalar(select(Complaint.number).where(Complaint.id == c.duplicate_of_id))
        if c.duplicate_of_id
        else None
    )
    data: dict[str, Any] = {
        "number": c.number,
        "category": {"code": c.category_code, "name": category.name if category else c.category_code},
        "opd_code": c.opd_code,  # the responsible OPD: the category's until the desk routes it
        "state": c.state,
        "status_label": status_label(c),
        "overdue": c.overdue,
        "privacy": c.privacy,
        "channel": c.channel,
        "description": c.description,
        "attributes": c.attributes or {},
        "lat": c.lat,
        "lon": c.lon,
        "kelurahan_code": c.kelurahan_code,
        "kelurahan_name": wilayah.name_of(c.kelurahan_code) if c.kelurahan_code else None,
        "address": c.address,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "verify_due_at": c.verify_due_at,
        "answer_due_at": c.answer_due_at,
        "outcome": c.outcome,
        "outcome_reason": c.outcome_reason,
        "rejection_reason": c.rejection_reason,
        "responsible_party": c.responsible_party,
        "public_answer": c.public_answer,
        "duplicate_of": duplicate_of,
        "supporters": c.supporters,
        "photos": [{"id": pid, "url": f"/api/v1/complaints/{c.number}/photos/{pid}"} for pid in photo_ids],
        "rating": {"score": rating.score, "fixed": rating.fixed} if rating else None,
        "history": [
            {
                "at": e.created_at,
                "kind": e.kind,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "from_opd": e.from_opd,
                "to_opd": e.to_opd,
                "note": e.note,
                "public": e.public,
                "by": _by(e),
                # who exactly, for staff only, and never a citizen (anonymous stays anonymous) nor
                # a supporter (whoever registered the "me too")
                "by_id": e.actor_id
                if level == "staff" and e.actor_kind in ("staff", "client") and e.kind != "support"
                else None,
            }
            for e in events
        ],
        "version": c.version,
        "access": level,
        "reporter": None,
        "reporter_display": None,
    }
    if level == "public" and reporter_visible_to_public(c):
        data["reporter_display"] = _display_name(_reporter_block(uow, c)["name"])
    elif level == "reporter":
        data["reporter"] = _reporter_block(uow, c)
    elif level == "staff" and c.privacy != "anonymous":
        data["reporter"] = _reporter_block(uow, c)
        if actor is not None and actor.principal is not None and c.reporter_resident_id:
            audit.record(
                uow,
                actor=actor.principal,
                resident_id=c.reporter_resident_id,
                action="read:complaint_reporter",
                resource=f"complaint:{c.number}",
            )
    return data


def get_complaint(uow: UnitOfWork, *, principal: Principal | None, number: str) -> dict[str, Any]:
    """The complaint as this caller may see it; 404 when they may not (confidential, unknown)."""
    with uow:
        c = _load(uow, number)
        actor = _actor(uow, principal)
        level = access_level(actor, c)
        if level is None:
            raise NotFound("Complaint not found", reason="complaint_not_found")
        data = view(uow, c, level=level, actor=actor)
        uow.commit()  # the audit row of a staff read
        return data


def staff_view_for_update(uow: UnitOfWork, *, principal: Principal, number: str) -> dict[str, Any]:
    """The staff view an officer is about to change (404 unless they handle it), to check If-Match
    against; not a read of the reporter's data (no audit row): nothing of it leaves the server."""
    with uow:
        c = _load(uow, number)
        if not _is_handler(_actor(uow, principal), c):
            raise NotFound("Complaint not found", reason="complaint_not_found")
        return view(uow, c, level="staff")


def queue(
    uow: UnitOfWork,
    *,
    principal: Principal,
    state: str | None = "open",
    category: str | None = None,
    overdue: bool | None = None,
    kelurahan_code: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """An officer's work list: their OPD's assigned complaints; the desk also sees every submitted one.

    `state` is one state, "open" (the default: still to be worked, so the list and its count stay
    small whatever the history) or "all".
    """
    with uow:
        actor = _actor(uow, principal)
        if principal.role not in ("officer", "admin"):
            raise Forbidden("The queue is for officers", reason="role_not_allowed")
        state = state or "open"
        wanted = {"open": OPEN_STATES, "all": STATES}.get(state, (state,))
        worked = [w for w in wanted if w not in ("submitted", "verified")]
        # These states are only ever reached through an assignment: no need to test assigned_at, so
        # the (opd_code, state, created_at) index answers both the page and its count.
        mine = [Complaint.opd_code == actor.opd, Complaint.state.in_(worked)]
        if not set(worked) <= set(ASSIGNED_STATES):
            mine.append(Complaint.assigned_at.is_not(None))
        # Disjoint branches, counted one by one (an OR defeats index-only counting).
        if actor.is_admin or actor.is_secretary:
            branches = [[Complaint.state.in_(wanted)] if state != "all" else []]
        elif actor.is_desk:
            branches = [mine]
            if "submitted" in wanted:
                branches.append([Complaint.state == "submitted"])
        else:
            branches = [mine]
        filters = []
        if category:
            filters.append(Complaint.category_code == normalize_code(category))
        if overdue is not None:
            filters.append(Complaint.overdue.is_(overdue))
        if kelurahan_code:
            filters.append(Complaint.kelurahan_code == kelurahan_code)
        total = sum(
            session_of(uow).scalar(select(func.count()).select_from(Complaint).where(*branch, *filters)) or 0
            for branch in branches
        )
        where = or_(*(and_(true(), *branch) for branch in branches))
        rows = list(
            session_of(uow).scalars(
                select(Complaint)
                .where(where, *filters)
                .order_by(Complaint.created_at.desc(), Complaint.id)
                .limit(limit)
                .offset(offset)
            )
        )
        return [_summary(c, show_reporter=False) for c in rows], total


def _summary(c: Complaint, *, show_reporter: bool) -> dict[str, Any]:
    return {
        "number": c.number,
        "category_code": c.category_code,
        "opd_code": c.opd_code,  # the responsible OPD: the category's until the desk routes it
        "state": c.state,
        "status_label": status_label(c),
        "overdue": c.overdue,
        "privacy": c.privacy,
        "channel": c.channel,
        "description": c.description[:280],
        "kelurahan_code": c.kelurahan_code,
        "address": c.address,
        "lat": c.lat,
        "lon": c.lon,
        "created_at": c.created_at,
        "verify_due_at": c.verify_due_at,
        "answer_due_at": c.answer_due_at,
        "supporters": c.supporters,
        "version": c.version,
    }


def mine(
    uow: UnitOfWork, *, principal: Principal, limit: int = 20, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The citizen's own complaints and the ones they follow ("me too"), newest first."""
    with uow:
        rid = _actor(uow, principal).resident_id()
        if rid is None:
            raise Forbidden(
                "This endpoint is for citizens (or counter staff acting for one)", reason="citizen_required"
            )
        followed = select(ComplaintFollower.complaint_id).where(ComplaintFollower.resident_id == rid)
        cond = or_(Complaint.reporter_resident_id == rid, Complaint.id.in_(followed))
        total = session_of(uow).scalar(select(func.count()).select_from(Complaint).where(cond)) or 0
        rows = list(
            session_of(uow).scalars(
                select(Complaint)
                .where(cond)
                .order_by(Complaint.created_at.desc(), Complaint.id)
                .limit(limit)
                .offset(offset)
            )
        )
        out = []
        for c in rows:
            item = _summary(c, show_reporter=False)
            item["relation"] = "reporter" if c.reporter_resident_id == rid else "follower"
            out.append(item)
        if principal.on_behalf_of:
            audit.record(uow, actor=principal, resident_id=rid, action="read:complaints")
            uow.commit()
        return out, total


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def nearby(
    uow: UnitOfWork, *, category: str, lat: float, lon: float, now: datetime | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Open non-confidential complaints of a category within 250 m from the last 30 days, nearest first."""
    now = _now(now)
    _check_location(lat, lon, None, None)
    with uow:
        code = normalize_code(category)
        if session_of(uow).get(ComplaintCategory, code) is None:
            raise _invalid("category", "Unknown category", "unknown_category")
        dlat = NEARBY_METRES / 111_320.0
        dlon = NEARBY_METRES / (111_320.0 * math.cos(math.radians(lat)))
        stmt = select(Complaint).where(
            Complaint.category_code == code,
            Complaint.created_at >= now - timedelta(days=NEARBY_DAYS),
            Complaint.state.in_(OPEN_STATES),
            Complaint.privacy != "confidential",
            Complaint.lat.between(lat - dlat, lat + dlat),
            Complaint.lon.between(lon - dlon, lon + dlon),
        )
        found = []
        for c in session_of(uow).scalars(stmt.limit(500)):
            distance = _haversine_m(lat, lon, c.lat or 0.0, c.lon or 0.0)
            if distance <= NEARBY_METRES:
                item = _summary(c, show_reporter=False)
                item["distance_m"] = round(distance, 1)
                found.append(item)
        found.sort(key=lambda item: item["distance_m"])
        return found[:limit]


def photo(uow: UnitOfWork, *, principal: Principal | None, number: str, photo_id: str) -> ComplaintPhoto:
    """One photo, if the caller may see its complaint."""
    with uow:
        c = _load(uow, number)
        if access_level(_actor(uow, principal), c) is None:
            raise NotFound("Complaint not found", reason="complaint_not_found")
        row = session_of(uow).get(ComplaintPhoto, photo_id) if UUID_RE.match(photo_id or "") else None
        if row is None or row.complaint_id != c.id:
            raise NotFound("Photo not found", reason="photo_not_found")
        return row


# ---- the workflow -------------------------------------------------------------------------------------

ACTIONS = ("verify", "reject", "reroute", "start", "resolve", "duplicate", "note", "reopen")


def act(
    uow: UnitOfWork,
    *,
    principal: Principal,
    number: str,
    action: str,
    expected_version: int | None = None,
    note: str | None = None,
    public: bool = True,
    opd_code: str | None = None,
    outcome: str | None = None,
    reason: str | None = None,
    rejection_reason: str | None = None,
    responsible_party: str | None = None,
    duplicate_of: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """An officer moves a complaint on; returns the staff view. All rules of issue 5 §2:

    verify    (desk) submitted → verified → assigned to the category's OPD (or `opd_code`)
    reject    (desk) submitted → rejected; rejection_reason spam | not_city, not_city needs
              responsible_party (who is responsible) and the note is the public reply
    reroute   (desk or the current OPD) assigned/in_progress → assigned to `opd_code` (audit trail)
    start     (the OPD) assigned → in_progress
    resolve   (the OPD) assigned/in_progress → resolved, outcome fixed | not_fixed (+ reason), note
    duplicate (desk or the OPD) open → duplicate of `duplicate_of` (its reporter follows the original)
    note      (desk or the OPD) a public or internal (public=False) note, no state change
    reopen    (desk) resolved/closed → assigned again
    `expected_version` (from If-Match) must equal the current version, else 412.
    """
    if action not in ACTIONS:
        raise _invalid("action", f"One of {', '.join(ACTIONS)}")
    now = _now(now)
    with uow:
        c = _load(uow, number, lock=True)
        actor = _actor(uow, principal)
        if not _is_handler(actor, c):
            raise NotFound("Complaint not found", reason="complaint_not_found")
        check_version(c.version, expected_version, what="complaint")
        handler = _ACTIONS[action]
        try:
            handler(
                uow,
                c,
                actor,
                now=now,
                note=(note or "").strip() or None,
                public=public,
                opd_code=opd_code,
                outcome=outcome,
                reason=(reason or "").strip() or None,
                rejection_reason=rejection_reason,
                responsible_party=(responsible_party or "").strip() or None,
                duplicate_of=duplicate_of,
            )
            _touch(c, now)
            uow.flush()
        except StaleDataError as exc:
            # Another officer's change committed between our read and our write (same ETag).
            raise PreconditionFailed(
                "The complaint was changed by someone else; reload it", reason="etag_mismatch"
            ) from exc
        data = view(uow, c, level="staff", actor=actor)
        uow.commit()
        return data


STAFF, REPORTER, SYSTEM = "staff", "reporter", "system"
COMPLAINTS = Workflow(
    "complaint",
    transitions=(
        Transition("verify", {"submitted"}, "verified", roles={STAFF}),
        Transition("assign", {"verified"}, "assigned", roles={STAFF}),
        Transition("reject", {"submitted"}, "rejected", roles={STAFF}),
        Transition("reroute", {"verified", "assigned", "in_progress"}, "assigned", roles={STAFF}),
        Transition("start", {"assigned"}, "in_progress", roles={STAFF}),
        Transition("resolve", {"assigned", "in_progress"}, "resolved", roles={STAFF}),
        Transition("duplicate", set(OPEN_STATES), "duplicate", roles={STAFF}),
        Transition("reopen", {"resolved", "closed"}, "assigned", roles={STAFF, REPORTER}),
        Transition("confirm", {"resolved"}, "closed", roles={REPORTER}),
        Transition("rate", {"resolved", "closed"}, None, roles={REPORTER}),
        Transition("close", {"resolved"}, "closed", roles={SYSTEM}),  # no answer from the reporter
    ),
)


def _require(c: Complaint, transition: str, role: str) -> None:
    """409 invalid_transition unless `transition` is possible in the complaint's state."""
    COMPLAINTS.check(c.state, transition, role=role)


def _require_desk(actor: Actor) -> None:
    if not actor.is_desk:
        raise Forbidden("Only the complaint desk may do this", reason="desk_only")


def _require_owner_or_desk(actor: Actor, c: Complaint) -> None:
    if not (actor.is_desk or (actor.opd == c.opd_code and c.assigned_at is not None)):
        raise Forbidden("Only the OPD handling the complaint may do this", reason="not_handling_opd")


def _require_owner(actor: Actor, c: Complaint) -> None:
    if not (actor.is_admin or (actor.opd == c.opd_code and c.assigned_at is not None)):
        raise Forbidden("Only the OPD handling the complaint may do this", reason="not_handling_opd")


def _known_opd(uow: UnitOfWork, code: str | None) -> str:
    from gateway.identity.models import Opd

    if not code or session_of(uow).get(Opd, code) is None:
        raise _invalid("opd_code", "Unknown OPD", "unknown_opd")
    return code


def _first_response(c: Complaint, now: datetime) -> None:
    if c.first_response_at is None:
        c.first_response_at = now


def _transition(
    uow: UnitOfWork,
    c: Complaint,
    actor: Actor,
    transition: str,
    *,
    now: datetime,
    note: str | None = None,
    public: bool = True,
    notify: bool = True,
    role: str = STAFF,
    kind: str = "transition",
    **kw: Any,
) -> None:
    """Apply a workflow transition; its history row is the complaint event (public or internal)."""
    COMPLAINTS.move(
        c,
        transition,
        role=role,
        actor=actor_of(actor.principal),
        at=now,
        note=note,
        history=lambda change: _event(
            uow,
            c,
            actor.principal,
            kind,
            change.from_state,
            change.to_state,
            now=now,
            note=note,
            public=public,
            notify=notify,
            **kw,
        ),
    )


def _assign(
    uow: UnitOfWork, c: Complaint, actor: Actor, opd: str, *, now: datetime, note: str | None = None
) -> None:
    from_opd = c.opd_code if c.assigned_at else None
    c.opd_code = opd
    c.assigned_at = now
    _transition(uow, c, actor, "assign", now=now, note=note, from_opd=from_opd, to_opd=opd)


def _do_verify(
    uow: UnitOfWork,
    c: Complaint,
    actor: Actor,
    *,
    now: datetime,
    note: str | None,
    opd_code: str | None,
    **_: Any,
) -> None:
    _require_desk(actor)
    _require(c, "verify", STAFF)
    category = session_of(uow).get(ComplaintCategory, c.category_code)
    target = _known_opd(uow, opd_code) if opd_code else (category.opd_code if category else c.opd_code)
    c.verified_at = now
    _first_response(c, now)
    if c.overdue and now <= c.answer_due_at:
        c.overdue = False  # only verification was late; the answer clock is still running
    # One message for verify + assign (the "assigned" event), not two.
    _transition(uow, c, actor, "verify", now=now, note=note, notify=False)
    _assign(uow, c, actor, target, now=now)


def _do_reject(
    uow: UnitOfWork,
    c: Complaint,
    actor: Actor,
    *,
    now: datetime,
    note: str | None,
    rejection_reason: str | None,
    responsible_party: str | None,
    **_: Any,
) -> None:
    _require_desk(actor)
    _require(c, "reject", STAFF)
    if rejection_reason not in ("spam", "not_city"):
        raise _invalid("rejection_reason", "One of spam, not_city")
    if rejection_reason == "not_city" and not responsible_party:
        raise ValidationFailed(
            "Name who is responsible when it is not the city's matter",
            reason="responsible_party_required",
            errors={"json": {"responsible_party": ["required when rejection_reason is not_city"]}},
        )
    if rejection_reason == "not_city" and not note:
        raise _invalid("note", "The reply to the citizen is required", "reply_required")
    c.rejection_reason = rejection_reason
    c.responsible_party = responsible_party if rejection_reason == "not_city" else None
    c.public_answer = note
    _first_response(c, now)
    c.answered_in_time = now <= c.answer_due_at
    c.overdue = False
    text = note
    if responsible_party and rejection_reason == "not_city":
        text = f"{(note or '').rstrip('. ')} (Yang berwenang: {responsible_party})"
    _transition(uow, c, actor, "reject", now=now, note=text)


def _do_reroute(
    uow: UnitOfWork,
    c: Complaint,
    actor: Actor,
    *,
    now: datetime,
    note: str | None,
    opd_code: str | None,
    **_: Any,
) -> None:
    _require_owner_or_desk(actor, c)
    _require(c, "reroute", STAFF)
    target = _known_opd(uow, opd_code)
    if target == c.opd_code:
        raise _invalid("opd_code", "Already with this OPD", "same_opd")
    if not note:
        raise _invalid("note", "Say why it is re-routed", "note_required")
    from_opd = c.opd_code
    c.opd_code, c.assigned_at = target, now
    _transition(
        uow, c, actor, "reroute", kind="reroute", now=now, note=note, from_opd=from_opd, to_opd=target
    )


def _do_start(
    uow: UnitOfWork, c: Complaint, actor: Actor, *, now: datetime, note: str | None, **_: Any
) -> None:
    _require_owner(actor, c)
    _require(c, "start", STAFF)
    _transition(uow, c, actor, "start", now=now, note=note)


def _do_resolve(
    uow: UnitOfWork,
    c: Complaint,
    actor: Actor,
    *,
    now: datetime,
    note: str | None,
    outcome: str | None,
    reason: str | None,
    **_: Any,
) -> None:
    _require_owner(actor, c)
    _require(c, "resolve", STAFF)
    if outcome not in ("fixed", "not_fixed"):
        raise _invalid("outcome", "One of fixed, not_fixed")
    if outcome == "not_fixed" and not reason:
        raise ValidationFailed(
            "Say why it could not be fixed",
            reason="reason_required",
            errors={"json": {"reason": ["required when outcome is not_fixed"]}},
        )
    if not note:
        raise _invalid("note", "The answer to the citizen is required", "reply_required")
    c.outcome, c.outcome_reason = outcome, reason if outcome == "not_fixed" else None
    c.public_answer = note
    c.resolved_at = now
    _first_response(c, now)
    c.answered_in_time = now <= c.answer_due_at
    c.overdue = False
    _transition(uow, c, actor, "resolve", now=now, note=note)


def _do_duplicate(
    uow: UnitOfWork,
    c: Complaint,
    actor: Actor,
    *,
    now: datetime,
    note: str | None,
    duplicate_of: str | None,
    **_: Any,
) -> None:
    _require_owner_or_desk(actor, c)
    _require(c, "duplicate", STAFF)
    if not duplicate_of:
        raise _invalid("duplicate_of", "The number of the original complaint is required")
    try:
        original = _load(uow, duplicate_of)
    except NotFound as exc:
        raise _invalid("duplicate_of", "No such complaint", "original_not_found") from exc
    if original.id == c.id or original.state == "duplicate":
        raise _invalid(
            "duplicate_of", "The original must be another, non-duplicate complaint", "invalid_original"
        )
    c.duplicate_of_id = original.id
    c.overdue = False
    _first_response(c, now)
    if c.reporter_resident_id or c.reporter_phone:
        _follow(
            uow,
            original,
            resident_id=c.reporter_resident_id,
            phone=None if c.reporter_resident_id else c.reporter_phone,
            now=now,
        )
    _transition(uow, c, actor, "duplicate", now=now, note=note or f"Sama dengan pengaduan {original.number}")


def _do_note(
    uow: UnitOfWork, c: Complaint, actor: Actor, *, now: datetime, note: str | None, public: bool, **_: Any
) -> None:
    _require_owner_or_desk(actor, c)
    if not note:
        raise _invalid("note", "The note is empty", "note_required")
    if public:
        _first_response(c, now)
    _event(uow, c, actor.principal, "note", c.state, c.state, now=now, note=note[:4000], public=public)


def _do_reopen(
    uow: UnitOfWork, c: Complaint, actor: Actor, *, now: datetime, note: str | None, **_: Any
) -> None:
    _require_desk(actor)
    _reopen(uow, c, actor, now=now, note=note, role=STAFF)


def _reopen(
    uow: UnitOfWork, c: Complaint, actor: Actor, *, now: datetime, note: str | None, role: str
) -> None:
    _require(c, "reopen", role)
    sla = SlaClock.load(uow)
    assert c.resolved_at is not None
    if sla.working_days_between(c.resolved_at, now) > REOPEN_WORKDAYS:
        raise Conflict(
            f"A complaint can be reopened within {REOPEN_WORKDAYS} working days of its answer",
            reason="reopen_window_passed",
        )
    category = session_of(uow).get(ComplaintCategory, c.category_code)
    c.reopen_count = (c.reopen_count or 0) + 1
    c.outcome = c.outcome_reason = None
    c.resolved_at = c.closed_at = None
    c.answered_in_time = None
    c.answer_due_at = sla.due_in_days(now, max(category.answer_days if category else 3, 1))
    c.assigned_at = now
    _transition(uow, c, actor, "reopen", role=role, now=now, note=note or "Dibuka kembali", to_opd=c.opd_code)


_ACTIONS = {
    "verify": _do_verify,
    "reject": _do_reject,
    "reroute": _do_reroute,
    "start": _do_start,
    "resolve": _do_resolve,
    "duplicate": _do_duplicate,
    "note": _do_note,
    "reopen": _do_reopen,
}


# ---- the citizen after the answer ---------------------------------------------------------------------


def _reporter_complaint(
    uow: UnitOfWork, principal: Principal, number: str, *, lock: bool = False
) -> tuple[Complaint, Actor]:
    c = _load(uow, number, lock=lock)
    actor = _actor(uow, principal)
    level = access_level(actor, c)
    if level is None:
        raise NotFound("Complaint not found", reason="complaint_not_found")
    if not _is_reporter(actor, c):
        raise Forbidden("Only the reporter may do this", reason="reporter_only")
    return c, actor


def confirm(
    uow: UnitOfWork, *, principal: Principal, number: str, now: datetime | None = None
) -> dict[str, Any]:
    """The reporter confirms the answer: resolved → closed."""
    now = _now(now)
    with uow:
        c, actor = _reporter_complaint(uow, principal, number, lock=True)
        _require(c, "confirm", REPORTER)
        c.closed_at = now
        _transition(uow, c, actor, "confirm", now=now, note="Dikonfirmasi oleh pelapor", role=REPORTER)
        _touch(c, now)
        _save(uow)
        data = view(uow, c, level="reporter")
        uow.commit()
        return data


def reopen(
    uow: UnitOfWork,
    *,
    principal: Principal,
    number: str,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The reporter reopens within 10 working days of the answer: back to the OPD with a new deadline."""
    now = _now(now)
    with uow:
        c, actor = _reporter_complaint(uow, principal, number, lock=True)
        _reopen(
            uow, c, actor, now=now, note=(note or "").strip() or "Dibuka kembali oleh pelapor", role=REPORTER
        )
        _touch(c, now)
        _save(uow)
        data = view(uow, c, level="reporter")
        uow.commit()
        return data


def rate(
    uow: UnitOfWork,
    *,
    principal: Principal,
    number: str,
    score: int,
    fixed: bool,
    comment: str | None = None,
    now: datetime | None = None,
) -> ComplaintRating:
    """The reporter rates the answer once (1–5, fixed yes/no), only after it was resolved.

    "Fixed: yes" on a resolved complaint also confirms it (→ closed).
    """
    now = _now(now)
    if not 1 <= score <= 5:
        raise _invalid("score", "1 to 5")
    with uow:
        c, actor = _reporter_complaint(uow, principal, number, lock=True)
        _require(c, "rate", REPORTER)
        if session_of(uow).scalar(select(ComplaintRating.id).where(ComplaintRating.complaint_id == c.id)):
            raise Conflict("Already rated", reason="already_rated")
        rating = ComplaintRating(
            complaint_id=c.id,
            score=score,
            fixed=fixed,
            comment=(comment or "").strip()[:1000] or None,
            created_at=now,
        )
        session_of(uow).add(rating)
        if fixed and c.state == "resolved":
            c.closed_at = now
            _transition(uow, c, actor, "confirm", now=now, note="Dikonfirmasi oleh pelapor", role=REPORTER)
        _touch(c, now)
        _save(uow)
        try:
            uow.commit()
        except IntegrityError as exc:
            raise Conflict("Already rated", reason="already_rated") from exc
        return rating


def _follow(
    uow: UnitOfWork, c: Complaint, *, resident_id: str | None, phone: str | None, now: datetime
) -> bool:
    """Add a follower once; returns whether it is new. Supporters are counted atomically in SQL."""
    cond = ComplaintFollower.resident_id == resident_id if resident_id else ComplaintFollower.phone == phone
    if session_of(uow).scalar(
        select(ComplaintFollower.id).where(ComplaintFollower.complaint_id == c.id, cond)
    ):
        return False
    if resident_id and resident_id == c.reporter_resident_id:
        return False
    if phone and not resident_id and phone == c.reporter_phone:
        return False
    values = {"complaint_id": c.id, "resident_id": resident_id, "phone": phone, "created_at": now}
    if not insert_once(uow, ComplaintFollower, values):
        return False
    session_of(uow).execute(
        update(Complaint).where(Complaint.id == c.id).values(supporters=Complaint.supporters + 1)
    )
    session_of(uow).refresh(c)
    return True


def follow(
    uow: UnitOfWork, *, principal: Principal, number: str, now: datetime | None = None
) -> dict[str, Any]:
    """ "Me too": the citizen backs and follows an open complaint (idempotent)."""
    now = _now(now)
    with uow:
        c = _load(uow, number)
        actor = _actor(uow, principal)
        rid = actor.resident_id()
        if rid is None:
            raise Forbidden("This endpoint is for citizens", reason="citizen_required")
        if access_level(actor, c) is None:
            raise NotFound("Complaint not found", reason="complaint_not_found")
        if c.reporter_resident_id == rid:
            raise Conflict("You filed this complaint", reason="own_complaint")
        if not c.is_open:
            raise Conflict("Only open complaints can be backed", reason="complaint_closed")
        created = _follow(uow, c, resident_id=rid, phone=None, now=now)
        if created:
            _event(uow, c, principal, "support", c.state, c.state, now=now, public=True, note=None)
        uow.commit()
        return {"number": c.number, "supporters": c.supporters, "following": True}


# ---- deadlines: reminders, escalation, overdue, auto-close -------------------------------------------


def staff_of(uow: UnitOfWork, *, opd_code: str | None = None, position: str | None = None) -> list[Staff]:
    stmt = select(Staff).where(Staff.active.is_(True), Staff.role.in_(("officer", "admin")))
    if opd_code:
        stmt = stmt.where(Staff.opd_code == opd_code)
    if position:
        stmt = stmt.where(Staff.position == position)
    return list(session_of(uow).scalars(stmt))


# A reminder the morning of the deadline day (deadlines fall at 16:00 WIB); the OPD head when it passes,
# the city secretary 2 working days later.
LADDER = Ladder(remind_before=timedelta(hours=8), escalations=(("head", 0), ("secretary", 2)))


def _mark(uow: UnitOfWork, c: Complaint, step: str, now: datetime) -> bool:
    """Claim a sweep step for a complaint; False if it was already done (each step happens once)."""
    return mark_once(uow, ComplaintSweepMark, {"complaint_id": c.id, "step": step, "created_at": now})


def _notice(
    uow: UnitOfWork, c: Complaint, *, kind: str, body: str, opd_code: str, staff: Staff | None, step: str
) -> None:
    key = f"{step}:{c.id}:{staff.id if staff else opd_code}"
    if session_of(uow).scalar(select(StaffNotice.id).where(StaffNotice.dedupe_key == key)):
        return
    session_of(uow).add(
        StaffNotice(
            dedupe_key=key,
            complaint_id=c.id,
            opd_code=opd_code,
            staff_id=staff.id if staff else None,
            kind=kind,
            body=body,
        )
    )
    if staff is not None and staff.phone:
        notify.send_sms(uow, to=staff.phone, body=body[:300], dedupe_key=f"complaints:notice:{key}")


def _notify_people(
    uow: UnitOfWork, c: Complaint, *, kind: str, body: str, opd_code: str, position: str | None, step: str
) -> None:
    """A notice for the OPD (everyone) or for each holder of `position`; OPD-wide if nobody holds it."""
    people = staff_of(uow, opd_code=opd_code if position != "city_secretary" else None, position=position)
    if position is None or not people:
        _notice(uow, c, kind=kind, body=body, opd_code=opd_code, staff=None, step=step)
    for member in people if position else []:
        _notice(uow, c, kind=kind, body=body, opd_code=member.opd_code or opd_code, staff=member, step=step)


def local_text(moment: datetime) -> str:
    """A moment as Indonesians write it: '24 November 2026 pukul 16.00 WIB'."""
    t = clock.local(moment)
    return f"{t.day} {MONTHS[t.month - 1]} {t.year} pukul {t:%H.%M} WIB"


def sentence(text: str) -> str:
    """The text closed by exactly one full stop (an officer's note may already end with one)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def sentences(*parts: str | None) -> str:
    """Sentences joined with one space, each closed once: no '..' whatever the notes end with."""
    return " ".join(sentence(p) for p in parts if p and p.strip())


def sweep(uow: UnitOfWork, *, now: datetime | None = None, batch: int = 2000) -> dict[str, int]:
    """The periodic deadline job (idempotent): reminders before a deadline, escalation to the OPD head
    when it passes and to the city secretary 2 working days later, the public overdue flag, and the
    auto-close of answers the reporter left unconfirmed for 10 working days."""
    now = _now(now)
    done = {"reminders": 0, "escalations": 0, "overdue": 0, "closed": 0}
    with uow:
        sla = SlaClock.load(uow)
        horizon = LADDER.horizon(now)
        # Complaints whose last step (the city secretary) is done are skipped in SQL, so a backlog of
        # long-overdue complaints never crowds newer ones out of the batch.
        last_step = case(
            (Complaint.state == "submitted", literal("verify:secretary")),
            else_=literal("answer") + cast(Complaint.reopen_count, String) + literal(":secretary"),
        )
        finished = (
            select(ComplaintSweepMark.id)
            .where(ComplaintSweepMark.complaint_id == Complaint.id, ComplaintSweepMark.step == last_step)
            .exists()
        )
        stmt = (
            select(Complaint)
            .where(
                or_(
                    and_(Complaint.state == "submitted", Complaint.verify_due_at <= horizon),
                    and_(
                        Complaint.state.in_(("verified", "assigned", "in_progress")),
                        Complaint.answer_due_at <= horizon,
                    ),
                ),
                ~finished,
            )
            .order_by(Complaint.created_at)
            .limit(batch)
        )
        if uow.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)  # one being edited right now waits for the next run
        for c in list(session_of(uow).scalars(stmt)):
            if c.state == "submitted":
                phase, due, opd = "verify", c.verify_due_at, DESK_OPD
                what = "verifikasi"
            else:
                phase, due, opd = f"answer{c.reopen_count or 0}", c.answer_due_at, c.opd_code
                what = "jawaban"
            steps = LADDER.steps_due(sla, now=now, due=due)
            if now < due:
                if "reminder" in steps and _mark(uow, c, f"{phase}:reminder", now):
                    body = f"Pengingat: batas {what} pengaduan {c.number} adalah {local_text(due)}."
                    _notify_people(
                        uow,
                        c,
                        kind="reminder",
                        body=body,
                        opd_code=opd,
                        position=None,
                        step=f"{phase}:reminder",
                    )
                    done["reminders"] += 1
                continue
            if "head" in steps and _mark(uow, c, f"{phase}:head", now):
                body = f"Eskalasi: pengaduan {c.number} melewati batas {what} pada {local_text(due)}."
                _notify_people(
                    uow,
                    c,
                    kind="escalation_head",
                    body=body,
                    opd_code=opd,
                    position="head",
                    step=f"{phase}:head",
                )
                _event(uow, c, None, "escalation", c.state, c.state, now=now, note=body, public=False)
                done["escalations"] += 1
            if not c.overdue:
                c.overdue, c.overdue_since = True, now
                _event(
                    uow,
                    c,
                    None,
                    "overdue",
                    c.state,
                    c.state,
                    now=now,
                    public=True,
                    note=f"Melewati batas waktu {what}",
                )
                _touch(c, now)
                done["overdue"] += 1
            if "secretary" in steps and _mark(uow, c, f"{phase}:secretary", now):
                body = f"Eskalasi ke Sekda: pengaduan {c.number} ({opd}) belum ditangani sejak {local_text(due)}."
                _notify_people(
                    uow,
                    c,
                    kind="escalation_secretary",
                    body=body,
                    opd_code="SETDA",
                    position="city_secretary",
                    step=f"{phase}:secretary",
                )
                _event(uow, c, None, "escalation", c.state, c.state, now=now, note=body, public=False)
                done["escalations"] += 1
        resolved = (
            select(Complaint)
            .where(Complaint.state == "resolved")
            .order_by(Complaint.resolved_at)
            .limit(batch)
        )
        if uow.is_postgres:
            resolved = resolved.with_for_update(skip_locked=True)
        for c in list(session_of(uow).scalars(resolved)):
            assert c.resolved_at is not None
            if now >= sla.due_in_days(c.resolved_at, AUTO_CLOSE_WORKDAYS):
                c.closed_at = now
                _transition(
                    uow,
                    c,
                    Actor(None, None),
                    "close",
                    role=SYSTEM,
                    now=now,
                    note=f"Ditutup otomatis: tidak ada tanggapan pelapor dalam {AUTO_CLOSE_WORKDAYS} hari kerja",
                )
                _touch(c, now)
                done["closed"] += 1
            else:
                break  # ordered by resolved_at: the rest are younger
        uow.commit()
    return done


def notices(
    uow: UnitOfWork, *, principal: Principal, limit: int = 20, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Reminders and escalations for this staff member: their OPD's, and the ones addressed to them."""
    if not principal.is_staff or principal.role not in ("officer", "admin"):
        raise Forbidden("Notices are for officers", reason="role_not_allowed")
    with uow:
        cond = or_(
            StaffNotice.staff_id == principal.id,
            and_(StaffNotice.staff_id.is_(None), StaffNotice.opd_code == (principal.opd or "")),
        )
        total = session_of(uow).scalar(select(func.count()).select_from(StaffNotice).where(cond)) or 0
        rows = session_of(uow).execute(
            select(StaffNotice, Complaint.number)
            .join(Complaint, Complaint.id == StaffNotice.complaint_id)
            .where(cond)
            .order_by(StaffNotice.created_at.desc(), StaffNotice.id)
            .limit(limit)
            .offset(offset)
        )
        return [
            {
                "id": n.id,
                "kind": n.kind,
                "number": number,
                "opd_code": n.opd_code,
                "personal": n.staff_id is not None,
                "body": n.body,
                "created_at": n.created_at,
            }
            for n, number in rows
        ], total


# ---- notifications to citizens -------------------------------------------------------------------------


def notify_event(uow: UnitOfWork, *, event_id: str) -> int:
    """Tell the reporter (on the channel they used) and the followers about a public status change.

    Idempotent: every message carries a dedupe key of (event, recipient). Returns messages written.
    """
    with uow:
        event = session_of(uow).get(ComplaintEvent, event_id)
        if event is None or not event.public:
            return 0
        c = session_of(uow).get(Complaint, event.complaint_id)
        if c is None:
            return 0
        if event.from_state is None:
            title = "Pengaduan diterima"
            body = (
                sentences(
                    f"Pengaduan Anda diterima dengan nomor {c.number}",
                    f"Batas jawaban {local_text(c.answer_due_at)}",
                )
                + f" Cek status: kirim STATUS {c.number}"
            )
        else:
            title = f"Pengaduan {c.number}: {STATUS_LABELS.get(event.to_state or '', event.to_state)}"
            body = sentences(
                title,
                event.note,
                "Apakah sudah benar-benar beres? Beri penilaian di aplikasi"
                if event.to_state == "resolved"
                else None,
            )
        sent = 0
        inbox_for: set[str] = set()
        sms_for: set[str] = set()
        if c.reporter_resident_id and c.channel in ("app", "counter"):
            inbox_for.add(c.reporter_resident_id)
        if c.channel in ("sms", "whatsapp", "counter", "call_centre", "open311") and c.reporter_phone:
            sms_for.add(c.reporter_phone)
        if event.from_state is not None:  # followers hear about changes, not about the filing
            for resident_id, phone in session_of(uow).execute(
                select(ComplaintFollower.resident_id, ComplaintFollower.phone).where(
                    ComplaintFollower.complaint_id == c.id
                )
            ):
                if resident_id:
                    inbox_for.add(resident_id)
                elif phone:
                    sms_for.add(phone)
        for resident_id in sorted(inbox_for):
            notify.inbox(
                uow,
                resident_id=resident_id,
                kind="complaint_status",
                title=title,
                body=body,
                ref=f"complaint:{c.number}",
                dedupe_key=f"complaints:{event.id}:{resident_id}",
            )
            sent += 1
        for phone in sorted(sms_for):
            notify.send_sms(uow, to=phone, body=body[:320], dedupe_key=f"complaints:{event.id}:{phone}")
            sent += 1
        uow.commit()
        return sent


# ---- the SMS / WhatsApp number ------------------------------------------------------------------------

STATUS_RE = re.compile(r"^\s*STATUS\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
FIRST_NUMBER_DAY = date(2026, 1, 1)


def _looks_like_number(digits: str, today: Any) -> bool:
    """11 digits starting with a day since the service began: meant as a complaint number (phone
    numbers start with 08/62 and never pass)."""
    if len(digits) != 11:
        return False
    try:
        day = datetime.strptime(digits[:6], "%y%m%d").date()
    except ValueError:
        return False
    return FIRST_NUMBER_DAY <= day <= today


def _status_text(c: Complaint) -> str:
    parts = [f"Pengaduan {c.number}: {status_label(c)}"]
    if c.state in OPEN_STATES:
        parts.append(f"Batas jawaban {local_text(c.answer_due_at)}")
        if c.overdue:
            parts.append("Terlambat, sudah dieskalasi")
    else:
        parts.append(c.public_answer)
    return sentences(*parts)[:320]


def handle_inbound(
    uow: UnitOfWork,
    *,
    message_id: str,
    from_phone: str,
    text: str,
    channel: str,
    received_at: datetime,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One message to the city's number (signature already verified by the route).

    - `STATUS <number>` → the status by SMS ("number not valid" if the check digit fails);
    - a message quoting a valid complaint number → a public note on it, and the sender backs it;
    - an emergency → "call 112", nothing filed;
    - anything else → a new complaint (category guessed from keywords, else "lainnya" for the desk);
      the reply with its number is sent by the creation notification.
    The provider message id is recorded once: retries and floods change nothing.
    """
    now = _now(now)
    with uow:
        existing = session_of(uow).scalar(
            select(InboundMessage).where(InboundMessage.provider_message_id == message_id)
        )
        if existing is not None:
            return _inbound_result(uow, existing, duplicate=True)
        record = InboundMessage(
            provider_message_id=message_id,
            channel=channel,
            from_phone=from_phone,
            action="pending",
            received_at=received_at,
            created_at=now,
        )
        session_of(uow).add(record)
        try:
            session_of(
                uow
            ).flush()  # the first write: a concurrent copy of this message waits here, then fails
        except IntegrityError:
            session_of(uow).rollback()
            existing = session_of(uow).scalar(
                select(InboundMessage).where(InboundMessage.provider_message_id == message_id)
            )
            assert existing is not None
            return _inbound_result(uow, existing, duplicate=True)
        text = (text or "").strip()
        reply: str | None = None
        today = numbers.local_day(now)
        status = STATUS_RE.match(text)
        if status:
            raw = status.group(1).strip()
            try:
                number = numbers.parse(raw)
            except numbers.InvalidNumber:
                record.action = "invalid_number"
                reply = "Nomor pengaduan tidak valid. Periksa kembali angkanya, contoh: STATUS 26112400011"
            else:
                c = session_of(uow).scalar(select(Complaint).where(Complaint.number == number))
                if c is None or (c.privacy == "confidential" and c.reporter_phone != from_phone):
                    record.action, reply = "not_found", f"Pengaduan {number} tidak ditemukan."
                else:
                    record.action, record.complaint_id, reply = "status", c.id, _status_text(c)
        else:
            quoted = [d for d in numbers.NUMBER_IN_TEXT_RE.findall(text) if _looks_like_number(d, today)]
            valid = [d for d in quoted if numbers.is_valid_checksum(d)]
            if quoted and not valid:
                record.action = "invalid_number"
                reply = f"Nomor pengaduan {quoted[0]} tidak valid. Periksa kembali angkanya."
            elif valid:
                c = session_of(uow).scalar(select(Complaint).where(Complaint.number == valid[0]))
                if c is None or (c.privacy == "confidential" and c.reporter_phone != from_phone):
                    record.action, reply = "not_found", f"Pengaduan {valid[0]} tidak ditemukan."
                else:
                    _event(
                        uow,
                        c,
                        None,
                        "note",
                        c.state,
                        c.state,
                        now=now,
                        note=text[:4000],
                        public=True,
                        actor_kind=channel,
                    )
                    if c.is_open and c.reporter_phone != from_phone:
                        account = _account_by_phone(uow, from_phone)
                        if account is not None:
                            _follow(uow, c, resident_id=account.resident_id, phone=None, now=now)
                        else:
                            _follow(uow, c, resident_id=None, phone=from_phone, now=now)
                    _touch(c, now)
                    record.action, record.complaint_id = "supported", c.id
                    reply = f"Tambahan Anda untuk pengaduan {c.number} sudah dicatat. Terima kasih."
            else:
                categories = list(
                    session_of(uow).scalars(
                        select(ComplaintCategory).where(ComplaintCategory.active.is_(True))
                    )
                )
                code = guess_category(categories, text)
                by_code = {cat.code: cat for cat in categories}
                if by_code[code].emergency:
                    record.action = "emergency"
                    reply = "DARURAT: segera hubungi 112 (gratis, 24 jam). Pengaduan ini tidak dicatat."
                elif not text:
                    record.action, reply = "empty", "Pesan kosong. Tuliskan keluhan Anda dan lokasinya."
                else:
                    c = _file(
                        uow,
                        principal=None,
                        now=now,
                        category_code=code,
                        description=text[:MAX_DESCRIPTION],
                        channel=channel,
                        reporter_phone=from_phone,
                    )
                    record.action, record.complaint_id = "created", c.id
        record.reply = reply
        if reply:
            notify.send_sms(uow, to=from_phone, body=reply, dedupe_key=f"complaints:inbound:{message_id}")
        uow.commit()
        return _inbound_result(uow, record, duplicate=False)


def _inbound_result(uow: UnitOfWork, record: InboundMessage, *, duplicate: bool) -> dict[str, Any]:
    number = None
    if record.complaint_id:
        number = session_of(uow).scalar(select(Complaint.number).where(Complaint.id == record.complaint_id))
    return {
        "message_id": record.provider_message_id,
        "action": record.action,
        "number": number,
        "duplicate": duplicate,
    }


# ---- public accountability ------------------------------------------------------------------------------


def _seconds_between(uow: UnitOfWork, later: Any, earlier: Any) -> Any:
    if uow.is_postgres:
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def stats(uow: UnitOfWork, *, start: Any, end: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per OPD and category, complaints filed between local dates `start` and `end` (inclusive):
    received, median hours to first response, share answered within the deadline (of those answered
    or past their deadline), share fixed (of those with an outcome), average rating, overdue now.
    All computed by the database (aggregates and a window function for the median)."""
    now = _now(now)
    if end < start:
        raise _invalid("to", "'to' is before 'from'")
    if (end - start).days > 366:
        raise _invalid("to", "At most one year per query")
    lo = datetime.combine(start, datetime.min.time(), clock.local_tz())
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), clock.local_tz())
    period = and_(Complaint.created_at >= lo, Complaint.created_at < hi)
    one, zero = 1, 0

    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, one), else_=zero))

    with uow:
        main = (
            select(
                Complaint.opd_code,
                Complaint.category_code,
                func.count(Complaint.id).label("received"),
                count_if(Complaint.answered_in_time.is_(True)).label("in_time"),
                count_if(or_(Complaint.answered_in_time.is_not(None), Complaint.answer_due_at < now)).label(
                    "due"
                ),
                count_if(Complaint.outcome == "fixed").label("fixed"),
                count_if(Complaint.outcome.is_not(None)).label("with_outcome"),
                count_if(and_(Complaint.overdue.is_(True), Complaint.state.in_(OPEN_STATES))).label(
                    "overdue"
                ),
                func.avg(ComplaintRating.score).label("rating"),
                func.count(ComplaintRating.id).label("ratings"),
            )
            .outerjoin(ComplaintRating, ComplaintRating.complaint_id == Complaint.id)
            .where(period)
            .group_by(Complaint.opd_code, Complaint.category_code)
            .order_by(Complaint.opd_code, Complaint.category_code)
        )
        secs = _seconds_between(uow, Complaint.first_response_at, Complaint.created_at)
        ranked = (
            select(
                Complaint.opd_code.label("opd"),
                Complaint.category_code.label("cat"),
                secs.label("s"),
                func.row_number()
                .over(partition_by=(Complaint.opd_code, Complaint.category_code), order_by=secs)
                .label("rn"),
                func.count().over(partition_by=(Complaint.opd_code, Complaint.category_code)).label("n"),
            )
            .where(period, Complaint.first_response_at.is_not(None))
            .subquery()
        )
        median = (
            select(ranked.c.opd, ranked.c.cat, func.avg(ranked.c.s))
            .where(ranked.c.rn >= ranked.c.n / 2.0, ranked.c.rn <= ranked.c.n / 2.0 + 1)
            .group_by(ranked.c.opd, ranked.c.cat)
        )
        medians = {(o, k): float(v) for o, k, v in session_of(uow).execute(median)}
        names = dict(session_of(uow).execute(select(ComplaintCategory.code, ComplaintCategory.name)).all())
        out = []
        for row in session_of(uow).execute(main):
            m = medians.get((row.opd_code, row.category_code))
            out.append(
                {
                    "opd_code": row.opd_code,
                    "category_code": row.category_code,
                    "category_name": names.get(row.category_code, row.category_code),
                    "received": int(row.received),
                    "median_first_response_hours": round(m / 3600.0, 2) if m is not None else None,
                    "answered_within_deadline_share": round(int(row.in_time) / int(row.due), 4)
                    if row.due
                    else None,
                    "fixed_share": round(int(row.fixed) / int(row.with_outcome), 4)
                    if row.with_outcome
                    else None,
                    "average_rating": round(float(row.rating), 2) if row.ratings else None,
                    "ratings": int(row.ratings),
                    "overdue_now": int(row.overdue),
                }
            )
        return out


# ---- Open311 feed (used by services/complaints/open311.py) ---------------------------------------------

OPEN311_UPDATE_KINDS = ("transition", "note", "reroute", "overdue")
OPEN311_COLUMNS = (
    Complaint.id,
    Complaint.number,
    Complaint.category_code,
    Complaint.opd_code,
    Complaint.state,
    Complaint.overdue,
    Complaint.description,
    Complaint.public_answer,
    Complaint.created_at,
    Complaint.updated_at,
    Complaint.answer_due_at,
    Complaint.address,
    Complaint.kelurahan_code,
    Complaint.lat,
    Complaint.lon,
)


def open311_page(
    uow: UnitOfWork,
    *,
    numbers_in: list[str] | None = None,
    category_codes: list[str] | None = None,
    states: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[tuple[Any, str | None]]:
    """A page of non-confidential complaints, newest first, each with the id of its first photo.

    Rows carry only the public columns (OPEN311_COLUMNS, attribute access like a Complaint): a
    1000-row page loads several times faster than full entities. No total (GeoReport v2 has none,
    and counting 90 days of a city's complaints is the slow part of a public feed); one query
    whatever the page size: the rows (created_at index) with their first photo (photo index).
    """
    with uow:
        conds = _public_filters(numbers_in, category_codes, states, start, end)
        first_photo = (
            select(ComplaintPhoto.id)
            .where(ComplaintPhoto.complaint_id == Complaint.id)
            .order_by(ComplaintPhoto.position, ComplaintPhoto.id)
            .limit(1)
            .scalar_subquery()
        )
        rows = session_of(uow).execute(
            select(*OPEN311_COLUMNS, first_photo)
            .where(*conds)
            .order_by(Complaint.created_at.desc(), Complaint.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(row, row[-1]) for row in rows]


def agency_names(uow: UnitOfWork) -> dict[str, str]:
    """OPD code → name, in one query (the Open311 agency_responsible and service group)."""
    from gateway.identity.models import Opd

    with uow:
        return {code: name for code, name in session_of(uow).execute(select(Opd.code, Opd.name))}


def open311_retry_of(
    uow: UnitOfWork,
    *,
    client_id: str,
    category_code: str,
    description: str,
    lat: float | None,
    lon: float | None,
    kelurahan_code: str | None,
    address: str | None,
    since: datetime,
) -> Complaint | None:
    """The complaint this Open311 client already filed with exactly this content since `since`.

    Open311 clients send no Idempotency-Key, so a POST retried after a lost response is recognised
    by its content and answered with the first complaint's number instead of filing a second one.
    """
    with uow:
        candidates = session_of(uow).scalars(
            select(Complaint)
            .where(
                Complaint.category_code == normalize_code(category_code),
                Complaint.created_at >= since,
                Complaint.filed_by_client_id == client_id,
                Complaint.description == (description or "").strip(),
            )
            .order_by(Complaint.created_at)
            .limit(20)
        )
        address = (address or "").strip()[:300] or None
        for c in candidates:
            if (c.lat, c.lon, c.kelurahan_code, c.address) == (lat, lon, kelurahan_code, address):
                return c
        return None


def open311_updates(
    uow: UnitOfWork,
    *,
    numbers_in: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[tuple[ComplaintEvent, str]]:
    """Public status changes and public notes of non-confidential complaints, oldest first, with the
    complaint number (the servicerequestupdates feed); internal notes and escalations never appear."""
    with uow:
        conds = [
            ComplaintEvent.public.is_(True),
            ComplaintEvent.kind.in_(OPEN311_UPDATE_KINDS),
            Complaint.privacy != "confidential",
        ]
        if numbers_in:
            conds.append(Complaint.number.in_(numbers_in))
        if start:
            conds.append(ComplaintEvent.created_at >= start)
        if end:
            conds.append(ComplaintEvent.created_at <= end)
        rows = session_of(uow).execute(
            select(ComplaintEvent, Complaint.number)
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
            .where(*conds)
            .order_by(ComplaintEvent.created_at, ComplaintEvent.complaint_id, ComplaintEvent.seq)
            .limit(limit)
            .offset(offset)
        )
        return [(event, number) for event, number in rows]

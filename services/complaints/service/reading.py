"""Reading complaints: one complaint for each kind of caller, the public list, queues, mine, nearby, photos."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, true

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Forbidden, NotFound
from gateway.identity import CitizenAccount, Resident, wilayah
from gateway.identity import nik as nik_rules
from gateway.kernel.redact import mask_nik_and_phone
from services.complaints import numbers  # jobs: enqueued by reference (imports us back)
from services.complaints.models import (
    OPEN_STATES,
    STATES,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintFollower,
    ComplaintPhoto,
    ComplaintRating,
)
from services.complaints.service.access import (
    Actor,
    _actor,
    _is_handler,
    access_level,
    reporter_visible_to_public,
    status_label,
)
from services.complaints.service.categories import normalize_code
from services.complaints.service.common import (
    ASSIGNED_STATES,
    NEARBY_DAYS,
    NEARBY_METRES,
    UUID_RE,
    _check_location,
    _now,
    invalid_field,
)


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


def _history_item(e: ComplaintEvent, level: str) -> dict[str, Any]:
    return {
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


def _add_reporter(
    uow: UnitOfWork, c: Complaint, data: dict[str, Any], *, level: str, actor: Actor | None
) -> None:
    """Who reported, as far as `level` may know: a display name in public (if the reporter allows),
    the details to the reporter and to staff (an audited read), nothing of an anonymous one."""
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
        "history": [_history_item(e, level) for e in events],
        "version": c.version,
        "access": level,
        "reporter": None,
        "reporter_display": None,
    }
    _add_reporter(uow, c, data, level=level, actor=actor)
    if level == "public":
        _mask_public_text(data)
    return data


def _mask_public_text(data: dict[str, Any]) -> None:
    """The public view never shows a NIK or a mobile number written into the text, whoever wrote it."""
    for key in ("description", "public_answer", "outcome_reason", "rejection_reason"):
        data[key] = mask_nik_and_phone(data[key])
    for item in data["history"]:
        item["note"] = mask_nik_and_phone(item["note"])


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
            if item["relation"] == "follower":  # someone else's text: as the public sees it
                item["description"] = mask_nik_and_phone(item["description"])
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
            raise invalid_field("category", "Unknown category", "unknown_category")
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
                item["description"] = mask_nik_and_phone(item["description"])
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

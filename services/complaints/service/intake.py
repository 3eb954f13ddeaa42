"""Filing a complaint on every channel: location, category, deadlines, duplicates nearby."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gateway import audit
from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Forbidden, ValidationFailed
from gateway.identity import CitizenAccount
from gateway.kernel.sla import SlaClock
from services.complaints import numbers, photos  # jobs: enqueued by reference (imports us back)
from services.complaints.catalogue import EMERGENCY_CODES
from services.complaints.errors import EmergencyCall112
from services.complaints.models import (
    CHANNELS,
    PRIVACY,
    Complaint,
    ComplaintCategory,
    ComplaintPhoto,
)
from services.complaints.service.categories import _validate_attributes, category_by_code
from services.complaints.service.common import (
    MAX_DESCRIPTION,
    OPEN311_SCOPE,
    _check_location,
    _now,
    invalid_field,
)
from services.complaints.service.history import _event


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


@dataclass
class _Filer:
    """Who files a complaint, on which channel, for whom (the reporter's details as they may be kept)."""

    channel: str | None
    reporter_resident_id: str | None = None
    filed_by_staff_id: str | None = None
    filed_by_client_id: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None


def _filer(principal: Principal | None, data: dict[str, Any]) -> _Filer:
    """The channel follows from who files: a text message, a citizen's app, the counter for a
    citizen, the call centre (which must record the caller), or an Open311 client."""
    f = _Filer(data.get("channel"), name=data.get("reporter_name"), phone=data.get("reporter_phone"))
    f.email = data.get("reporter_email")
    if principal is None:
        if f.channel not in ("sms", "whatsapp"):
            raise Forbidden("Authentication required", reason="authentication_required")
        if not f.phone:
            raise invalid_field("reporter_phone", "Sender phone required")
    elif principal.is_citizen:
        f.channel, f.reporter_resident_id = "app", principal.resident_id
        f.name = f.email = None
    elif principal.is_staff and principal.role in ("counter", "admin"):
        f.filed_by_staff_id = principal.id
        if principal.on_behalf_of:
            f.channel, f.reporter_resident_id = "counter", principal.on_behalf_of
        else:
            f.channel = "call_centre"
            if not (f.name and f.name.strip()) or not f.phone:
                raise ValidationFailed(
                    "The call centre must record the caller's name and phone",
                    reason="caller_required",
                    errors={"json": {"reporter_name": ["required"], "reporter_phone": ["required"]}},
                )
    elif principal.is_client:
        principal.require_scope(OPEN311_SCOPE)
        f.channel, f.filed_by_client_id = "open311", principal.id
    else:
        raise Forbidden(
            "Officers answer complaints; citizens and the counter file them", reason="role_not_allowed"
        )
    assert f.channel in CHANNELS
    return f


def _checked_content(uow: UnitOfWork, data: dict[str, Any]) -> tuple[ComplaintCategory, str, str]:
    """(category, description, privacy), or the field that is wrong; an emergency is refused (call 112)."""
    category = category_by_code(uow, data["category_code"])
    if category is None or not category.active:
        raise invalid_field("category_code", "Unknown category", "unknown_category")
    if category.emergency or category.code in EMERGENCY_CODES:
        raise EmergencyCall112(category.code)
    description = (data["description"] or "").strip()
    if not description:
        raise invalid_field("description", "Describe the problem")
    if len(description) > MAX_DESCRIPTION:
        raise invalid_field("description", f"At most {MAX_DESCRIPTION} characters")
    privacy = data.get("privacy") or "public"
    if privacy not in PRIVACY:
        raise invalid_field("privacy", f"One of {', '.join(PRIVACY)}")
    return category, description, privacy


def _add_photos(uow: UnitOfWork, complaint: Complaint, cleaned: list[Any], now: datetime) -> None:
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


OPENING_NOTE = {
    "call_centre": "Dicatat oleh call centre atas telepon pelapor",
    "counter": "Dicatat di loket Mal Pelayanan Publik",
}


def _file(uow: UnitOfWork, *, principal: Principal | None, now: datetime, **data: Any) -> Complaint:
    category, description, privacy = _checked_content(uow, data)
    who = _filer(principal, data)
    by_text = who.channel in ("sms", "whatsapp")
    lat, lon, kel, address = _check_location(
        data.get("lat"),
        data.get("lon"),
        data.get("kelurahan_code"),
        data.get("address"),
        required=not by_text,  # a text message has no map pin; the desk completes it during triage
    )
    attributes = _validate_attributes(category, data.get("attributes") or {}, strict=not by_text)
    cleaned = photos.clean_all(list(data.get("photos_raw") or []))
    if who.reporter_resident_id is None and who.phone:
        # A caller or texter who has an account is linked, so the complaint shows in their app.
        account = _account_by_phone(uow, who.phone)
        if account is not None:
            who.reporter_resident_id = account.resident_id
    verify_due, answer_due = _deadlines(uow, category, now)
    complaint = Complaint(
        number=numbers.next_number(uow, now=now),
        category_code=category.code,
        opd_code=category.opd_code,
        state="submitted",
        channel=who.channel,
        privacy=privacy,
        description=description,
        attributes=attributes,
        lat=lat,
        lon=lon,
        kelurahan_code=kel,
        address=address,
        reporter_resident_id=who.reporter_resident_id,
        reporter_name=(who.name or "").strip()[:120] or None,
        reporter_phone=who.phone,
        reporter_email=who.email,
        filed_by_staff_id=who.filed_by_staff_id,
        filed_by_client_id=who.filed_by_client_id,
        created_at=now,
        updated_at=now,
        verify_due_at=verify_due,
        answer_due_at=answer_due,
    )
    session_of(uow).add(complaint)
    session_of(uow).flush()
    _add_photos(uow, complaint, cleaned, now)
    note = OPENING_NOTE.get(who.channel or "")
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
        first=True,
    )
    if principal is not None and principal.is_staff and who.reporter_resident_id:
        audit.record(
            uow,
            actor=principal,
            resident_id=who.reporter_resident_id,
            action="file:complaint",
            resource=f"complaint:{complaint.number}",
        )
    return complaint

"""The SMS / WhatsApp number: STATUS queries, follow-ups by number, new complaints by text."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway import notify
from gateway.db import UnitOfWork, session_of
from services.complaints import numbers  # jobs: enqueued by reference (imports us back)
from services.complaints.models import (
    OPEN_STATES,
    Complaint,
    ComplaintCategory,
    InboundMessage,
)
from services.complaints.service.access import status_label
from services.complaints.service.categories import guess_category
from services.complaints.service.common import MAX_DESCRIPTION, _now
from services.complaints.service.deadlines import local_text, sentences
from services.complaints.service.following import _follow
from services.complaints.service.history import _event, _touch
from services.complaints.service.intake import _account_by_phone, _file

STATUS_RE = re.compile(r"^\s*STATUS\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
PUBLIC_RE = re.compile(r"^\s*PUBLIK\b[\s:,.-]*", re.IGNORECASE)
"""A message starting with PUBLIK files a public complaint (the sender's shortened name shown); any other
text message files an anonymous one: a sender never chose to publish who they are."""

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
        record, duplicate = _record_once(
            uow,
            message_id=message_id,
            channel=channel,
            from_phone=from_phone,
            received_at=received_at,
            now=now,
        )
        if duplicate:
            return _inbound_result(uow, record, duplicate=True)
        text = (text or "").strip()
        status = STATUS_RE.match(text)
        if status:
            reply = _answer_status(uow, record, status.group(1).strip(), from_phone=from_phone)
        else:
            reply = _note_or_file(uow, record, text, from_phone=from_phone, channel=channel, now=now)
        record.reply = reply
        if reply:
            notify.send_sms(uow, to=from_phone, body=reply, dedupe_key=f"complaints:inbound:{message_id}")
        uow.commit()
        return _inbound_result(uow, record, duplicate=False)


def _record_once(
    uow: UnitOfWork, *, message_id: str, channel: str, from_phone: str, received_at: datetime, now: datetime
) -> tuple[InboundMessage, bool]:
    """The message's row, written first; (the earlier row, True) when the provider sent it before."""

    def earlier() -> InboundMessage | None:
        return session_of(uow).scalar(
            select(InboundMessage).where(InboundMessage.provider_message_id == message_id)
        )

    existing = earlier()
    if existing is not None:
        return existing, True
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
        session_of(uow).flush()  # the first write: a concurrent copy of this message waits here, then fails
    except IntegrityError:
        session_of(uow).rollback()
        existing = earlier()
        assert existing is not None
        return existing, True
    return record, False


def _visible_to_sender(uow: UnitOfWork, number: str, from_phone: str) -> Complaint | None:
    """The complaint by number, unless it is confidential and the sender is not its reporter."""
    c = session_of(uow).scalar(select(Complaint).where(Complaint.number == number))
    if c is None or (c.privacy == "confidential" and c.reporter_phone != from_phone):
        return None
    return c


def _answer_status(uow: UnitOfWork, record: InboundMessage, raw: str, *, from_phone: str) -> str:
    """STATUS <number>: the complaint's status, or why there is none."""
    try:
        number = numbers.parse(raw)
    except numbers.InvalidNumber:
        record.action = "invalid_number"
        return "Nomor pengaduan tidak valid. Periksa kembali angkanya, contoh: STATUS 26112400011"
    c = _visible_to_sender(uow, number, from_phone)
    if c is None:
        record.action = "not_found"
        return f"Pengaduan {number} tidak ditemukan."
    record.action, record.complaint_id = "status", c.id
    return _status_text(c)


def _note_or_file(
    uow: UnitOfWork, record: InboundMessage, text: str, *, from_phone: str, channel: str, now: datetime
) -> str | None:
    """A message quoting a complaint number is a note on it; anything else files a new complaint."""
    today = numbers.local_day(now)
    quoted = [d for d in numbers.NUMBER_IN_TEXT_RE.findall(text) if _looks_like_number(d, today)]
    valid = [d for d in quoted if numbers.is_valid_checksum(d)]
    if quoted and not valid:
        record.action = "invalid_number"
        return f"Nomor pengaduan {quoted[0]} tidak valid. Periksa kembali angkanya."
    if valid:
        c = _visible_to_sender(uow, valid[0], from_phone)
        if c is None:
            record.action = "not_found"
            return f"Pengaduan {valid[0]} tidak ditemukan."
        _add_note(uow, c, text, from_phone=from_phone, channel=channel, now=now)
        record.action, record.complaint_id = "supported", c.id
        return f"Tambahan Anda untuk pengaduan {c.number} sudah dicatat. Terima kasih."
    return _file_from_text(uow, record, text, from_phone=from_phone, channel=channel, now=now)


def _add_note(
    uow: UnitOfWork, c: Complaint, text: str, *, from_phone: str, channel: str, now: datetime
) -> None:
    """The text as a public note; a sender who is not the reporter follows the complaint from now on."""
    _event(uow, c, None, "note", c.state, c.state, now=now, note=text[:4000], public=True, actor_kind=channel)
    if c.is_open and c.reporter_phone != from_phone:
        account = _account_by_phone(uow, from_phone)
        if account is not None:
            _follow(uow, c, resident_id=account.resident_id, phone=None, now=now)
        else:
            _follow(uow, c, resident_id=None, phone=from_phone, now=now)
    _touch(c, now)


def _file_from_text(
    uow: UnitOfWork, record: InboundMessage, text: str, *, from_phone: str, channel: str, now: datetime
) -> str | None:
    """A new complaint from the text (category guessed); an emergency is told to call 112 instead."""
    public = PUBLIC_RE.match(text)
    if public:
        text = text[public.end() :]
    categories = list(
        session_of(uow).scalars(select(ComplaintCategory).where(ComplaintCategory.active.is_(True)))
    )
    code = guess_category(categories, text)
    by_code = {cat.code: cat for cat in categories}
    if by_code[code].emergency:
        record.action = "emergency"
        return "DARURAT: segera hubungi 112 (gratis, 24 jam). Pengaduan ini tidak dicatat."
    if not text:
        record.action = "empty"
        return "Pesan kosong. Tuliskan keluhan Anda dan lokasinya."
    c = _file(
        uow,
        principal=None,
        now=now,
        category_code=code,
        description=text[:MAX_DESCRIPTION],
        channel=channel,
        reporter_phone=from_phone,
        privacy="public" if public else "anonymous",
    )
    record.action, record.complaint_id = "created", c.id
    return None  # the creation notification tells the sender the number


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

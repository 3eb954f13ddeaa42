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

"""Telling citizens: one notification per public history row, by their channel."""

from __future__ import annotations

from sqlalchemy import select

from gateway import notify
from gateway.db import UnitOfWork, session_of
from services.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintFollower,
)
from services.complaints.service.common import STATUS_LABELS
from services.complaints.service.deadlines import local_text, sentences


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

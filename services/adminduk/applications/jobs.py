"""Application jobs after commit: tell the citizen about each step (inbox + SMS), once per step."""

from __future__ import annotations

from sqlalchemy import select

from gateway import notify
from gateway.db import UnitOfWork
from gateway.identity import CitizenAccount
from gateway.kernel.clock import local_tz
from services.adminduk import wording
from services.adminduk.applications import service  # (imports this module back, for job references)
from services.adminduk.applications.models import Application, ApplicationEvent


def _message(application: Application, event: ApplicationEvent) -> tuple[str, str]:
    """(title, body) in Indonesian; never a NIK or a phone number."""
    what = f"Permohonan {service.label(application)} {application.tracking_number}"
    due = application.due_at.astimezone(local_tz()).date()
    note = f": {event.note}" if event.note else ""
    if event.kind == "submitted":
        return (
            "Permohonan diterima",
            f"{what} diterima. Target selesai {wording.tanggal(due)}. Tanpa biaya.",
        )
    if event.kind == "resubmitted":
        return (
            "Perbaikan permohonan diterima",
            f"Perbaikan {what} diterima. Target selesai {wording.tanggal(due)}.",
        )
    if event.kind == "review_started":
        return "Permohonan sedang diperiksa", f"{what} sedang diperiksa petugas Disdukcapil."
    if event.kind == "correction_requested":
        return (
            "Permohonan perlu diperbaiki",
            f"{what} perlu diperbaiki{note}. Kirim perbaikan melalui aplikasi.",
        )
    if event.kind == "approved":
        return (
            "Permohonan disetujui",
            f"{what} disetujui; dokumen baru dapat diunduh di aplikasi.",
        )
    if event.kind == "rejected":
        return "Permohonan ditolak", f"{what} ditolak{note}."
    if event.kind == "cancelled":
        return "Permohonan dibatalkan", f"{what} dibatalkan."
    return "Catatan petugas", f"Catatan petugas pada {what}{note}"


def notify_step(application_id: str, event_id: str) -> None:
    """Inbox and SMS to the applicant (and the person concerned); the event id is the dedupe key."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        application = uow.session.get(Application, application_id)
        event = uow.session.get(ApplicationEvent, event_id)
        if application is None or event is None or not event.visible_to_citizen:
            return
        title, body = _message(application, event)
        people = list(dict.fromkeys((application.applicant_resident_id, application.subject_resident_id)))
        accounts = uow.session.scalars(
            select(CitizenAccount)
            .where(CitizenAccount.resident_id.in_(people), CitizenAccount.status == "active")
            .order_by(CitizenAccount.resident_id)
        )
        for account in accounts:
            key = f"adminduk:application:{event.id}:{account.resident_id}"
            notify.inbox(
                uow,
                resident_id=account.resident_id,
                kind=f"adminduk.application_{event.kind}",
                title=title,
                body=body,
                ref=f"application:{application.id}",
                dedupe_key=f"{key}:inbox",
            )
            notify.send_sms(
                uow, to=account.phone, body=f"Disdukcapil P.Siantar: {body}", dedupe_key=f"{key}:sms"
            )
        uow.commit()

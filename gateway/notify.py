"""Notifications: in-app inbox plus SMS/push/email through adapters; each message goes out once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gateway import outbox
from gateway.db import Base, UnitOfWork, id_column, new_id, utcnow
from gateway.errors import NotFound
from gateway.logs import mask_phone
from gateway.sms import HttpSmsAdapter, PermanentSmsError

log = logging.getLogger(__name__)


class InboxItem(Base):
    """A notification in a citizen's in-app inbox."""

    __tablename__ = "notify_inbox"

    id: Mapped[str] = id_column()
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(String(120))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    read_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """An outgoing SMS / push / email, recorded before it is handed to the adapter."""

    __tablename__ = "notify_message"

    id: Mapped[str] = id_column()
    channel: Mapped[str] = mapped_column(String(10))  # sms | email | push | whatsapp
    to: Mapped[str] = mapped_column(String(200), index=True)
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | sent | failed
    provider_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class Adapter(Protocol):
    def send(self, message: Message) -> str: ...


class LogAdapter:
    """Development adapter: the message stays in notify_message (see `flask outbox --to`)."""

    def send(self, message: Message) -> str:
        log.info("notify: %s to %s", message.channel, mask_phone(message.to))
        return f"log-{message.id}"


def adapter() -> Adapter:
    """The configured SMS adapter: the development log, or the provider's HTTP API (or its simulator)."""
    cfg = current_app.config
    if cfg.get("NOTIFY_SMS_ADAPTER", "log") == "http":
        return HttpSmsAdapter(cfg["SMS_API_URL"], cfg["SMS_ACCOUNT"], cfg["SMS_TOKEN"], cfg["SMS_SENDER"])
    return LogAdapter()


def _exists(uow: UnitOfWork, model: type[InboxItem] | type[Message], dedupe_key: str) -> bool:
    assert uow.session is not None
    return uow.session.scalar(select(model.id).where(model.dedupe_key == dedupe_key)) is not None


def inbox(
    uow: UnitOfWork,
    *,
    resident_id: str,
    kind: str,
    title: str,
    body: str,
    dedupe_key: str,
    ref: str | None = None,
) -> None:
    """Put a notification in the citizen's inbox, once per dedupe_key."""
    if _exists(uow, InboxItem, dedupe_key):
        return
    assert uow.session is not None
    uow.session.add(
        InboxItem(resident_id=resident_id, kind=kind, title=title, body=body, ref=ref, dedupe_key=dedupe_key)
    )


def send(uow: UnitOfWork, *, channel: str, to: str, body: str, dedupe_key: str) -> None:
    """Record a message and queue its delivery; a second call with the same key does nothing."""
    if _exists(uow, Message, dedupe_key):
        return
    assert uow.session is not None
    message = Message(id=new_id(), channel=channel, to=to, body=body, dedupe_key=dedupe_key)
    uow.session.add(message)
    outbox.enqueue(uow, deliver, message_id=message.id)


def send_sms(uow: UnitOfWork, *, to: str, body: str, dedupe_key: str) -> None:
    send(uow, channel="sms", to=to, body=body, dedupe_key=dedupe_key)


def deliver(message_id: str) -> None:
    """Job: hand one message to its adapter. Running twice sends once (status checked under lock)."""
    with UnitOfWork() as uow:
        assert uow.session is not None
        stmt = select(Message).where(Message.id == message_id)
        if uow.is_postgres:
            stmt = stmt.with_for_update()
        message = uow.session.scalar(stmt)
        if message is None or message.status in ("sent", "failed"):
            return
        try:
            message.provider_id = adapter().send(message)
        except PermanentSmsError as exc:
            log.warning("notify: provider refused message %s: %s", message_id, exc)
            message.status = "failed"
            uow.commit()
            return
        message.status = "sent"
        message.sent_at = utcnow()
        try:
            uow.commit()
        except IntegrityError:
            log.warning("notify: concurrent delivery detected", extra={"message_id": message_id})


def messages_to(uow: UnitOfWork, to: str, limit: int = 20) -> list[Message]:
    assert uow.session is not None
    stmt = select(Message).where(Message.to == to).order_by(Message.created_at.desc()).limit(limit)
    return list(uow.session.scalars(stmt))


def list_inbox(uow: UnitOfWork, *, resident_id: str, limit: int, offset: int) -> list[InboxItem]:
    with uow:
        assert uow.session is not None
        stmt = (
            select(InboxItem)
            .where(InboxItem.resident_id == resident_id)
            .order_by(InboxItem.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(uow.session.scalars(stmt))


def mark_read(uow: UnitOfWork, *, resident_id: str, item_id: str) -> InboxItem:
    with uow:
        assert uow.session is not None
        item = uow.session.get(InboxItem, item_id)
        if item is None or item.resident_id != resident_id:
            raise NotFound("Notification not found", reason="notification_not_found")
        if item.read_at is None:
            item.read_at = utcnow()
        uow.commit()
        return item

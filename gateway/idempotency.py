"""Idempotency-Key store: a retried POST returns the first response; a changed body is a 422.

The store never holds a credential in the clear (issue 13.9): `/auth/login` and `/auth/refresh`
answer with tokens, and their requests carry passwords and refresh tokens. So the request is kept
only as an HMAC (keyed with SECRET_KEY: no offline guessing of a password from the row), and the
stored response is sealed with AES-GCM under a key derived from SECRET_KEY *and the request body
itself*: only a retry carrying the same credentials can open it, and a dump of the table opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Response, current_app, g, request
from sqlalchemy import Integer, LargeBinary, String, delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import ONE_TRANSACTION, Base, CommitHold, UnitOfWork, utcnow
from gateway.errors import BadRequest, Conflict, ValidationFailed, error_response

log = logging.getLogger(__name__)

KEEP = timedelta(hours=24)
STALE_CLAIM = timedelta(minutes=2)  # longer than any request may run (gunicorn timeout)
MAX_KEY = 200
SEALED = b"aesgcm1:"  # prefix of a sealed body (rows written before sealing replay as they are)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)  # who: principal id or client ip
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)  # None while the first request is running
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(100))
    headers: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _scope() -> str:
    principal = g.get("principal")
    return f"{principal.kind}:{principal.id}" if principal else f"anon:{request.remote_addr}"


def _keyed(purpose: bytes) -> hmac.HMAC:
    """An HMAC over this request (method, path, body) under a key for `purpose` derived from SECRET_KEY."""
    secret = hmac.new(current_app.config["SECRET_KEY"].encode(), purpose, hashlib.sha256).digest()
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    for part in (request.method.encode(), request.path.encode(), request.get_data(cache=True)):
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac


def _fingerprint() -> str:
    return _keyed(b"idempotency:fingerprint").hexdigest()


def _seal(body: bytes) -> bytes:
    nonce = os.urandom(12)
    return SEALED + nonce + AESGCM(_keyed(b"idempotency:seal").digest()).encrypt(nonce, body, None)


def _open(stored: bytes | None) -> bytes | None:
    if not stored or not stored.startswith(SEALED):
        return stored
    nonce, sealed = stored[len(SEALED) : len(SEALED) + 12], stored[len(SEALED) + 12 :]
    try:
        return AESGCM(_keyed(b"idempotency:seal").digest()).decrypt(nonce, sealed, None)
    except InvalidTag:  # SECRET_KEY rotated since: the answer cannot be replayed
        raise Conflict(
            "The first answer to this Idempotency-Key can no longer be replayed; use a new key",
            reason="idempotency_answer_unavailable",
        ) from None


def _in_one_transaction() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), view)
    return bool(getattr(handler, ONE_TRANSACTION, False))


def before_request() -> Response | None:
    """Claim the key or replay the stored response. Runs after authentication."""
    if request.method != "POST":
        return None
    key = request.headers.get("Idempotency-Key")
    principal = g.get("principal")
    if key is None:
        if principal is not None and principal.is_client and request.path.startswith("/api/"):
            raise BadRequest(
                "Idempotency-Key header is required for machine clients", reason="idempotency_key_required"
            )
        return None
    if not key or len(key) > MAX_KEY:
        raise BadRequest("Idempotency-Key must be 1-200 characters", reason="idempotency_key_invalid")
    scope, fingerprint = _scope(), _fingerprint()
    if _in_one_transaction():
        return _hold(scope, key, fingerprint)
    with UnitOfWork() as uow:
        assert uow.session is not None
        uow.session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
                IdempotencyRecord.created_at < utcnow() - KEEP,
            )
        )
        existing = uow.session.get(IdempotencyRecord, (scope, key))
        if existing is None:
            uow.session.add(IdempotencyRecord(scope=scope, key=key, request_hash=fingerprint))
            try:
                uow.commit()
            except IntegrityError:
                raise Conflict(
                    "A request with this Idempotency-Key is in progress", reason="idempotency_in_progress"
                ) from None
            g.idempotency = (scope, key)
            return None
        answer = _answer(existing, fingerprint)
        if answer is None:
            # The process that claimed the key died mid-request (its transaction rolled back):
            # this retry takes the claim over instead of waiting out the whole retention period.
            existing.created_at = utcnow()
            uow.commit()
            g.idempotency = (scope, key)
        return answer


def _answer(existing: IdempotencyRecord, fingerprint: str) -> Response | None:
    """The stored answer replayed, a refusal, or None when the claim is stale (a dead process's)."""
    if existing.request_hash != fingerprint:
        raise ValidationFailed(
            "Idempotency-Key was used with a different request body", reason="idempotency_key_reused"
        )
    if existing.status is None and existing.created_at < utcnow() - STALE_CLAIM:
        return None
    if existing.status is None:
        raise Conflict("A request with this Idempotency-Key is in progress", reason="idempotency_in_progress")
    response = Response(_open(existing.body), status=existing.status, content_type=existing.content_type)
    for name, value in (existing.headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _hold(scope: str, key: str, fingerprint: str) -> Response | None:
    """One-transaction endpoints: look the key up (no claim row, no commit) and hold the request's commit."""
    with UnitOfWork(read_only=True) as uow:
        assert uow.session is not None
        existing = uow.session.get(IdempotencyRecord, (scope, key))
        if existing is not None and existing.created_at >= utcnow() - KEEP:
            answer = _answer(existing, fingerprint)
            if answer is not None:
                return answer
    g.idempotency = (scope, key)
    g.idempotency_held = (fingerprint, existing is not None)  # an expired or dead claim is replaced
    g.commit_hold = CommitHold()
    return None


def _add_answer(session: Any, claim: tuple[str, str], replace: bool, response: Response) -> None:
    fingerprint = g.idempotency_held[0]
    if replace:  # an expired record (or a dead process's claim) under the same key
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == claim[0], IdempotencyRecord.key == claim[1]
            )
        )
    session.add(
        IdempotencyRecord(
            scope=claim[0],
            key=claim[1],
            request_hash=fingerprint,
            status=response.status_code,
            body=_seal(response.get_data()),
            content_type=response.content_type,
            headers={k: v for k, v in response.headers.items() if k in ("Location", "ETag")},
        )
    )


def _twin_answer(claim: tuple[str, str], fingerprint: str) -> Response:
    """A concurrent request with the same key committed first (this one rolled back whole): its answer."""
    with UnitOfWork(read_only=True) as reader:
        assert reader.session is not None
        first = reader.session.get(IdempotencyRecord, claim)
        if first is not None and first.status is not None:
            try:
                answer = _answer(first, fingerprint)
            except ValidationFailed as err:
                return error_response(err.code, err.message, err.reason)
            if answer is not None:
                return answer
    return error_response(
        409, "A request with this Idempotency-Key is in progress", "idempotency_in_progress"
    )


def _store_held(hold: CommitHold, claim: tuple[str, str], response: Response) -> Response:
    """Commit the held change with its answer; a refused or failed request commits nothing of it."""
    fingerprint, replace = g.idempotency_held
    try:
        if response.status_code < 400 and hold.uow is not None:
            assert hold.uow.session is not None
            _add_answer(hold.uow.session, claim, replace, response)
            hold.release(commit=True)
            return response
        hold.release(commit=False)
        if response.status_code >= 500:
            return response  # a server error frees the key: the client retries for real
        with UnitOfWork() as uow:
            _add_answer(uow.session, claim, replace, response)
            uow.commit()
        return response
    except IntegrityError:
        return _twin_answer(claim, fingerprint)
    except SQLAlchemyError:
        log.exception("committing a request held for its Idempotency-Key answer failed")
        return error_response(500, "Internal server error", "internal_error")


def after_request(response: Response) -> Response:
    """Store the outcome; a server error frees the key so the client can retry for real."""
    claim = g.pop("idempotency", None)
    if claim is None:
        return response
    hold = g.pop("commit_hold", None)
    if hold is not None:
        return _store_held(hold, claim, response)
    with UnitOfWork() as uow:
        assert uow.session is not None
        record = uow.session.get(IdempotencyRecord, claim)
        if record is not None:
            if response.status_code >= 500:
                uow.session.delete(record)
            else:
                record.status = response.status_code
                record.body = _seal(response.get_data())
                record.content_type = response.content_type
                record.headers = {k: v for k, v in response.headers.items() if k in ("Location", "ETag")}
            uow.commit()
    return response


def _release_left_hold(_exc: BaseException | None) -> None:
    """A request that ended before its answer was stored (an exception past the error handlers)
    rolls its held change back."""
    hold = g.pop("commit_hold", None)
    if hold is not None:
        hold.release(commit=False)


def init_app(app: Flask) -> None:
    app.after_request(after_request)
    app.teardown_request(_release_left_hold)

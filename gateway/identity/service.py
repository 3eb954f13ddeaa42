"""Identity use cases: sign-up with OTP, login, refresh rotation, logout, client credentials, /me."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
import time
from datetime import timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import bindparam, select, update

from gateway import audit, notify, outbox
from gateway import queue as q
from gateway.auth import Principal, issue_access_token
from gateway.db import UnitOfWork, get_database, utcnow
from gateway.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from gateway.identity import nik as nik_rules
from gateway.identity import phones
from gateway.identity.models import (
    CitizenAccount,
    MachineClient,
    OtpChallenge,
    RefreshToken,
    Resident,
    RevokedAccessToken,
    Staff,
    TokenCutoff,
)
from gateway.identity.passwords import digest, dummy_verify, hash_password, verify_password

log = logging.getLogger(__name__)


def _s(uow: UnitOfWork):  # noqa: ANN202 - tiny accessor
    assert uow.session is not None
    return uow.session


def _normalize_name(name: str) -> str:
    return " ".join(name.upper().split())


def resident_by_nik(uow: UnitOfWork, nik: str) -> Resident | None:
    return _s(uow).scalar(select(Resident).where(Resident.nik == nik))


# ---- sign-up and OTP ---------------------------------------------------------------------------------


def _new_otp(uow: UnitOfWork, *, purpose: str, resident: Resident, phone: str) -> OtpChallenge:
    cfg = current_app.config
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge = OtpChallenge(
        purpose=purpose,
        resident_id=resident.id,
        phone=phone,
        otp_hash=digest(code),
        expires_at=utcnow() + timedelta(seconds=cfg["OTP_TTL_SECONDS"]),
    )
    _s(uow).add(challenge)
    _s(uow).flush()
    text = (
        f"Kode OTP Siantar Smart City: {code}. Berlaku {cfg['OTP_TTL_SECONDS'] // 60} menit. "
        "Jangan berikan kode ini kepada siapa pun."
    )
    notify.send_sms(uow, to=phone, body=text, dedupe_key=f"otp:{challenge.id}")
    return challenge


def start_signup(uow: UnitOfWork, *, nik: str, full_name: str, birth_date: Any, phone: str) -> OtpChallenge:
    """Check the person against the registry, then send an OTP to the phone to be verified."""
    with uow:
        resident = resident_by_nik(uow, nik)
        if (
            resident is None
            or _normalize_name(resident.full_name) != _normalize_name(full_name)
            or resident.birth_date != birth_date
        ):
            # One answer for every mismatch, so sign-up cannot be used to probe the registry.
            raise ValidationFailed(
                "NIK, name and birth date do not match the population registry", reason="registry_mismatch"
            )
        if not resident.is_active:
            raise Forbidden("This NIK cannot open an account", reason="resident_not_active")
        if _s(uow).scalar(select(CitizenAccount.id).where(CitizenAccount.resident_id == resident.id)):
            raise Conflict("An account already exists for this NIK", reason="account_exists")
        # Whether the phone is another account's is told only after the OTP proves it is the caller's
        # (verify_signup): before, sign-up would tell anyone which numbers have an account.
        challenge = _new_otp(uow, purpose="signup", resident=resident, phone=phone)
        uow.commit()
        return challenge


def _check_otp(uow: UnitOfWork, challenge_id: str, otp: str, purpose: str) -> OtpChallenge:
    cfg = current_app.config
    challenge = _s(uow).get(OtpChallenge, challenge_id)
    if challenge is None or challenge.purpose != purpose or challenge.completed_at is not None:
        raise NotFound("No pending verification with this id", reason="otp_challenge_not_found")
    if challenge.expires_at < utcnow():
        raise ValidationFailed("The code has expired; request a new one", reason="otp_expired")
    if challenge.attempts >= cfg["OTP_MAX_ATTEMPTS"]:
        raise ValidationFailed("Too many wrong codes; request a new one", reason="otp_attempts_exceeded")
    if not secrets.compare_digest(challenge.otp_hash, digest(otp)):
        challenge.attempts += 1
        uow.commit()  # the failed attempt must count even though we refuse
        raise ValidationFailed("Wrong code", reason="otp_invalid", errors={"json": {"otp": ["Wrong code"]}})
    challenge.completed_at = utcnow()
    return challenge


def verify_signup(uow: UnitOfWork, *, challenge_id: str, otp: str, password: str) -> CitizenAccount:
    with uow:
        challenge = _check_otp(uow, challenge_id, otp, "signup")
        if _s(uow).scalar(
            select(CitizenAccount.id).where(CitizenAccount.resident_id == challenge.resident_id)
        ):
            raise Conflict("An account already exists for this NIK", reason="account_exists")
        if _s(uow).scalar(select(CitizenAccount.id).where(CitizenAccount.phone == challenge.phone)):
            raise Conflict("This phone number belongs to another account", reason="phone_in_use")
        account = CitizenAccount(
            resident_id=challenge.resident_id, phone=challenge.phone, password_hash=hash_password(password)
        )
        _s(uow).add(account)
        uow.commit()
        return account


def _citizen_by_login(uow: UnitOfWork, login: str) -> CitizenAccount | None:
    if nik_rules.NIK_RE.match(login):
        return _s(uow).scalar(select(CitizenAccount).join(Resident).where(Resident.nik == login))
    if phones.looks_like_phone(login):
        try:
            phone = phones.normalize(login)
        except phones.InvalidPhone:
            return None
        return _s(uow).scalar(select(CitizenAccount).where(CitizenAccount.phone == phone))
    return None


def start_password_reset(uow: UnitOfWork, *, login: str) -> str:
    """Send a reset OTP; the answer is the same whether or not the account exists."""
    with uow:
        account = _citizen_by_login(uow, login)
        if account is None or account.status != "active":
            # A decoy challenge: stored like a real one (its code is never sent to anyone), so a
            # confirm answers it exactly as it answers a real one (otp_invalid, attempts counted,
            # then locked) and the account's existence cannot be told. No text message is sent.
            decoy = OtpChallenge(
                purpose="reset",
                resident_id=None,
                phone="",
                otp_hash=digest(secrets.token_urlsafe(16)),
                expires_at=utcnow() + timedelta(seconds=current_app.config["OTP_TTL_SECONDS"]),
            )
            _s(uow).add(decoy)
            uow.commit()
            return decoy.id
        challenge = _new_otp(uow, purpose="reset", resident=account.resident, phone=account.phone)
        uow.commit()
        return challenge.id


def complete_password_reset(uow: UnitOfWork, *, challenge_id: str, otp: str, password: str) -> None:
    with uow:
        challenge = _check_otp(uow, challenge_id, otp, "reset")
        account = _s(uow).scalar(
            select(CitizenAccount).where(CitizenAccount.resident_id == challenge.resident_id)
        )
        if account is None:
            raise NotFound("No account", reason="account_not_found")
        account.password_hash = hash_password(password)
        _revoke_subject(uow, "citizen", account.id)
        cut_off_tokens(uow, "citizen", account.id)
        uow.commit()


# ---- tokens --------------------------------------------------------------------------------------------


def _token_pair(uow: UnitOfWork, principal: dict[str, Any], family_id: str | None = None) -> dict[str, Any]:
    access, expires_in = issue_access_token(**principal)
    refresh = secrets.token_urlsafe(32)
    _s(uow).add(
        RefreshToken(
            token_hash=digest(refresh),
            family_id=family_id or secrets.token_hex(16),
            subject_kind=principal["kind"],
            subject_id=principal["subject"],
            expires_at=utcnow() + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"]),
        )
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }


def _claims_for_citizen(account: CitizenAccount) -> dict[str, Any]:
    return {"kind": "citizen", "subject": account.id, "role": "citizen", "resident_id": account.resident_id}


def _claims_for_staff(staff: Staff) -> dict[str, Any]:
    return {
        "kind": "staff",
        "subject": staff.id,
        "role": staff.role,
        "opd": staff.opd_code,
        "zones": tuple(staff.zones or ()),
    }


def login(uow: UnitOfWork, *, username: str, password: str) -> dict[str, Any]:
    """Citizens log in with NIK or phone, staff with their username."""
    with uow:
        account = _citizen_by_login(uow, username)
        if account is not None:
            # The password is checked before the status: a closed account costs the same work and
            # gets the same answer as a wrong password, so closures cannot be probed.
            matches = verify_password(account.password_hash, password)
            if not matches or account.status != "active":
                raise Unauthorized("Wrong login or password", reason="invalid_credentials")
            tokens = _token_pair(uow, _claims_for_citizen(account))
        else:
            staff = _s(uow).scalar(select(Staff).where(Staff.username == username))
            if staff is None:
                dummy_verify(password)
                raise Unauthorized("Wrong login or password", reason="invalid_credentials")
            if not verify_password(staff.password_hash, password) or not staff.active:
                raise Unauthorized("Wrong login or password", reason="invalid_credentials")
            tokens = _token_pair(uow, _claims_for_staff(staff))
        uow.commit()
        return tokens


def refresh(uow: UnitOfWork, *, refresh_token: str) -> dict[str, Any]:
    """Rotate: the old token is spent; presenting a spent one again revokes its whole family."""
    with uow:
        stmt = select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token))
        if uow.is_postgres:
            stmt = stmt.with_for_update()
        row = _s(uow).scalar(stmt)
        if row is None or row.revoked_at is not None or row.expires_at < utcnow():
            raise Unauthorized("Invalid refresh token", reason="invalid_refresh_token")
        if row.used_at is not None:
            _s(uow).execute(
                update(RefreshToken)
                .where(RefreshToken.family_id == row.family_id)
                .values(revoked_at=utcnow())
            )
            uow.commit()
            raise Unauthorized(
                "Refresh token re-used; all sessions of this login are revoked", reason="refresh_token_reused"
            )
        row.used_at = utcnow()
        if row.subject_kind == "citizen":
            account = _s(uow).get(CitizenAccount, row.subject_id)
            if account is None or account.status != "active":
                raise Unauthorized("Account closed", reason="account_closed")
            claims = _claims_for_citizen(account)
        else:
            staff = _s(uow).get(Staff, row.subject_id)
            if staff is None or not staff.active:
                raise Unauthorized("Account disabled", reason="account_disabled")
            claims = _claims_for_staff(staff)
        tokens = _token_pair(uow, claims, family_id=row.family_id)
        uow.commit()
        return tokens


def _revoke_subject(uow: UnitOfWork, kind: str, subject_id: str) -> None:
    _s(uow).execute(
        update(RefreshToken)
        .where(
            RefreshToken.subject_kind == kind,
            RefreshToken.subject_id == subject_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def logout(uow: UnitOfWork, *, principal: Principal, refresh_token: str | None) -> None:
    """Revoke the refresh family and the access token itself, for every API process."""
    with uow:
        if refresh_token:
            row = _s(uow).scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)))
            if row is not None and row.subject_id == principal.id:
                _s(uow).execute(
                    update(RefreshToken)
                    .where(RefreshToken.family_id == row.family_id)
                    .values(revoked_at=utcnow())
                )
        if principal.jti and principal.exp:
            from datetime import UTC, datetime

            expires = datetime.fromtimestamp(principal.exp, UTC)
            connection = q.redis_connection()
            cached = False
            if connection is not None:
                try:
                    cache_revocation(principal.jti, principal.exp)
                    cached = True
                except RedisError:
                    # Redis is down: the database row below rejects the token meanwhile (see
                    # ensure_token_active) and this job copies it to Redis once Redis is back.
                    outbox.enqueue(uow, cache_revocation, jti=principal.jti, exp=principal.exp)
            if not cached and _s(uow).get(RevokedAccessToken, principal.jti) is None:
                _s(uow).add(RevokedAccessToken(jti=principal.jti, expires_at=expires))
        uow.commit()


def cache_revocation(jti: str, exp: int) -> None:
    """Job (and logout's fast path): mark an access token revoked in Redis until it expires."""
    connection = q.redis_connection()
    ttl = int(exp - utcnow().timestamp())
    if connection is not None and ttl > 0:
        connection.set(f"siantar:revoked:{jti}", "1", ex=ttl)


CUTOFF_NONE_TTL = 30
"""Seconds an account without a cutoff is remembered as such in Redis: bounds how long a cutoff whose
cache write failed (Redis down at that moment) can be missed once Redis is back."""


def _cutoff_key(kind: str, subject_id: str) -> str:
    return f"siantar:cutoff:{kind}:{subject_id}"


def cut_off_tokens(uow: UnitOfWork, kind: str, subject_id: str) -> None:
    """In the caller's transaction: every access token of this subject issued until now stops working
    (closed or deceased account, disabled staff, password reset); Redis is told after the commit."""
    at = time.time()
    row = _s(uow).get(TokenCutoff, (kind, subject_id))
    if row is None:
        _s(uow).add(TokenCutoff(subject_kind=kind, subject_id=subject_id, cutoff_at=at))
    else:
        row.cutoff_at = at
    uow.after_commit(lambda: _cache_cutoff(kind, subject_id, at))


def _cache_cutoff(kind: str, subject_id: str, at: float) -> None:
    connection = q.redis_connection()
    if connection is None:
        return
    try:
        connection.set(_cutoff_key(kind, subject_id), repr(at), ex=current_app.config["ACCESS_TOKEN_TTL"])
    except RedisError:
        log.warning("token cutoff not cached (Redis unreachable); the database answers meanwhile")


def _cutoff_from_db(kind: str, subject_id: str) -> float:
    with UnitOfWork(get_database(), read_only=True) as uow:
        return (
            _s(uow).scalar(
                select(TokenCutoff.cutoff_at).where(
                    TokenCutoff.subject_kind == kind, TokenCutoff.subject_id == subject_id
                )
            )
            or 0.0
        )


def _check_cutoff(principal: Principal, cutoff: float) -> None:
    if cutoff and (principal.iat or 0.0) <= cutoff:
        raise Unauthorized("The account's sessions were ended", reason="token_revoked")


def ensure_token_active(principal: Principal) -> None:
    """Reject access tokens revoked at logout, and those issued before their account's cutoff (closed,
    disabled, password reset). One Redis MGET; the database answers when Redis is down or lost its data."""
    if not principal.jti:
        return
    key = _cutoff_key(principal.kind, principal.id)
    connection = q.redis_connection()
    if connection is not None:
        try:
            revoked, cached = connection.mget(f"siantar:revoked:{principal.jti}", key)
        except RedisError:
            connection = None  # Redis is down: logouts and cutoffs meanwhile are in the database
        else:
            if revoked:
                raise Unauthorized("Token revoked", reason="token_revoked")
            if cached is None:
                cutoff = _cutoff_from_db(principal.kind, principal.id)
                ttl = current_app.config["ACCESS_TOKEN_TTL"] if cutoff else CUTOFF_NONE_TTL
                with contextlib.suppress(RedisError):
                    connection.set(key, repr(cutoff), ex=ttl, nx=True)
            else:
                cutoff = float(cached)
            _check_cutoff(principal, cutoff)
            return
    with UnitOfWork(get_database(), read_only=True) as uow:
        if _s(uow).get(RevokedAccessToken, principal.jti) is not None:
            raise Unauthorized("Token revoked", reason="token_revoked")
    _check_cutoff(principal, _cutoff_from_db(principal.kind, principal.id))


def client_token(uow: UnitOfWork, *, client_id: str, client_secret: str, scope: str | None) -> dict[str, Any]:
    """OAuth2 client credentials (RFC 6749 §4.4): a scoped, short-lived access token, no refresh."""
    with uow:
        client = _s(uow).scalar(select(MachineClient).where(MachineClient.client_id == client_id))
        if client is None:
            dummy_verify(client_secret)
            raise Unauthorized("Invalid client", reason="invalid_client")
        if not client.active or not verify_password(client.secret_hash, client_secret):
            raise Unauthorized("Invalid client", reason="invalid_client")
        granted = client.scope_list
        if scope:
            asked = [s for s in scope.split(" ") if s]
            if not set(asked) <= set(granted):
                raise Forbidden("Scope not granted to this client", reason="invalid_scope")
            granted = asked
        access, expires_in = issue_access_token(
            kind="client",
            subject=client.client_id,
            role="client",
            scopes=granted,
            facility=client.facility_code,
        )
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": " ".join(granted),
        }


# ---- acting for a citizen at the counter -------------------------------------------------------------


def act_on_behalf(principal: Principal, *, nik: str, reason: str) -> Principal:
    """Counter staff serve a citizen who is present; the citizen is resolved by NIK and audited."""
    if principal.role not in ("counter", "admin"):
        raise Forbidden("Only counter staff may act on behalf of a citizen", reason="on_behalf_not_allowed")
    if not reason.strip():
        raise ValidationFailed(
            "X-On-Behalf-Reason is required with X-On-Behalf-Of", reason="on_behalf_reason_required"
        )
    with UnitOfWork(get_database()) as uow:
        resident = resident_by_nik(uow, nik)
        if resident is None or resident.is_deceased:
            raise NotFound("No living resident with this NIK", reason="resident_not_found")
        return dataclasses.replace(principal, on_behalf_of=resident.id, on_behalf_reason=reason.strip()[:300])


def audit_on_behalf(principal: Principal, action: str) -> None:
    assert principal.on_behalf_of
    with UnitOfWork(get_database()) as uow:
        audit.record(
            uow,
            actor=principal,
            resident_id=principal.on_behalf_of,
            action=action[:60],
            reason=principal.on_behalf_reason,
        )
        uow.commit()


def subject_resident_id(principal: Principal) -> str:
    """The resident a request is about: the citizen themself, or the one the counter serves."""
    if principal.is_citizen and principal.resident_id:
        return principal.resident_id
    if principal.on_behalf_of:
        return principal.on_behalf_of
    raise Forbidden(
        "This endpoint is for citizens (or counter staff acting for one)", reason="citizen_required"
    )


# ---- the citizen's own view ---------------------------------------------------------------------------


# /me's one query, built once (building the statement cost a fifth of the request): the resident and
# everyone on the same KK, with their app account's phone.
_ME_FAMILY = (
    select(Resident, CitizenAccount.phone)
    .outerjoin(CitizenAccount, CitizenAccount.resident_id == Resident.id)
    .where(
        Resident.kk_number
        == select(Resident.kk_number).where(Resident.id == bindparam("resident_id")).scalar_subquery()
    )
    .order_by(Resident.birth_date)
)


def me(uow: UnitOfWork, *, principal: Principal) -> dict[str, Any]:
    """The resident, their account and their KK family, in one round trip (a hot path)."""
    with uow:
        resident_id = subject_resident_id(principal)
        rows = _s(uow).execute(_ME_FAMILY, {"resident_id": resident_id}).all()
        resident = next((r for r, _ in rows if r.id == resident_id), None)
        if resident is None:
            raise NotFound("Resident not found", reason="resident_not_found")
        phone = next(p for r, p in rows if r.id == resident_id)
        family = [r for r, _ in rows if r.id != resident_id and not r.is_deceased]
        if principal.on_behalf_of:
            audit.record(uow, actor=principal, resident_id=resident_id, action="read:profile")
            uow.commit()
        return {"resident": resident, "phone": phone, "family": family}


def access_log(uow: UnitOfWork, *, principal: Principal, limit: int, offset: int) -> list[audit.AccessLog]:
    with uow:
        return audit.for_resident(uow, subject_resident_id(principal), limit=limit, offset=offset)


# ---- operations other services ask of identity ----------------------------------------------------------


def close_account(uow: UnitOfWork, *, resident_id: str, reason: str) -> bool:
    """Close a citizen's account, in the caller's transaction (e.g. a registered death): it can no
    longer sign in and its refresh tokens are revoked. False when there is no open account."""
    account = _s(uow).scalar(select(CitizenAccount).where(CitizenAccount.resident_id == resident_id))
    if account is None or account.status == "closed":
        return False
    account.status = "closed"
    account.closed_reason = reason
    _revoke_subject(uow, "citizen", account.id)
    cut_off_tokens(uow, "citizen", account.id)
    return True

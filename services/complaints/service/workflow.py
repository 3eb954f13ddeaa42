"""Working a complaint: the staff actions (verify, reject, reroute, start, resolve, duplicate, note, reopen)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from gateway.kernel.sla import SlaClock
from gateway.kernel.workflow import Transition, Workflow, actor_of, check_version
from services.complaints.models import (
    OPEN_STATES,
    Complaint,
    ComplaintCategory,
)
from services.complaints.service.access import Actor, _actor, _is_handler
from services.complaints.service.common import REOPEN_WORKDAYS, _now, invalid_field
from services.complaints.service.following import _follow
from services.complaints.service.history import _event, _touch
from services.complaints.service.reading import _load, view

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
        raise invalid_field("action", f"One of {', '.join(ACTIONS)}")
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
    from gateway.identity import Opd

    if not code or session_of(uow).get(Opd, code) is None:
        raise invalid_field("opd_code", "Unknown OPD", "unknown_opd")
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
        raise invalid_field("rejection_reason", "One of spam, not_city")
    if rejection_reason == "not_city" and not responsible_party:
        raise ValidationFailed(
            "Name who is responsible when it is not the city's matter",
            reason="responsible_party_required",
            errors={"json": {"responsible_party": ["required when rejection_reason is not_city"]}},
        )
    if rejection_reason == "not_city" and not note:
        raise invalid_field("note", "The reply to the citizen is required", "reply_required")
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
        raise invalid_field("opd_code", "Already with this OPD", "same_opd")
    if not note:
        raise invalid_field("note", "Say why it is re-routed", "note_required")
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
        raise invalid_field("outcome", "One of fixed, not_fixed")
    if outcome == "not_fixed" and not reason:
        raise ValidationFailed(
            "Say why it could not be fixed",
            reason="reason_required",
            errors={"json": {"reason": ["required when outcome is not_fixed"]}},
        )
    if not note:
        raise invalid_field("note", "The answer to the citizen is required", "reply_required")
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
        raise invalid_field("duplicate_of", "The number of the original complaint is required")
    try:
        original = _load(uow, duplicate_of)
    except NotFound as exc:
        raise invalid_field("duplicate_of", "No such complaint", "original_not_found") from exc
    if original.id == c.id or original.state == "duplicate":
        raise invalid_field(
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
        raise invalid_field("note", "The note is empty", "note_required")
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

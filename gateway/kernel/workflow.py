"""Workflows: the states of a record, the transitions each role may make, one history row per transition.

A service declares its workflow once::

    PERMITS = Workflow(
        "permit",
        transitions=(
            Transition("submit", None, "submitted", roles={"citizen", "counter"}),
            Transition("start", {"submitted"}, "in_review", roles={"officer"}),
            Transition("approve", {"in_review"}, "approved", roles={"officer"}),
        ),
    )

and moves records with ``PERMITS.move(record, "approve", role=..., actor=actor_of(principal),
history=lambda change: PermitEvent(...))``: the transition must exist for the record's state (else 409
``invalid_transition``) and for the caller's role (else 403 ``transition_not_allowed``), the record's state
changes, and the service's history row (who, when, from, to, note) is returned for the caller to add.
``check_version`` turns a stale version (from If-Match) into 412 ``etag_mismatch``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from gateway.auth import Principal
from gateway.errors import Conflict, Forbidden, PreconditionFailed
from gateway.kernel import clock

H = TypeVar("H")


class Stateful(Protocol):
    state: Any


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the history shows it: a label and the account id (None for the system)."""

    label: str
    id: str | None

    @property
    def is_system(self) -> bool:
        return self.id is None


SYSTEM = Actor("system", None)


def actor_of(principal: Principal | None, *, citizen_label: str | None = None) -> Actor:
    """The history's actor for a principal; `citizen_label` hides who of a family acted (e.g. 'citizen')."""
    if principal is None:
        return SYSTEM
    if citizen_label and principal.is_citizen:
        return Actor(citizen_label, principal.id)
    return Actor(principal.label(), principal.id)


@dataclass(frozen=True)
class Transition:
    """`name` moves a record from one of `sources` (None: a new record) to `target` (None: same state)."""

    name: str
    sources: Collection[str] | None
    target: str | None
    roles: Collection[str]


@dataclass(frozen=True)
class Change:
    """What the history row records."""

    transition: str
    from_state: str | None
    to_state: str
    actor: Actor
    note: str | None
    at: datetime


class Workflow:
    """The transitions of one kind of record; checks and applies them."""

    def __init__(
        self,
        kind: str,
        *,
        transitions: Iterable[Transition],
        conflict: Callable[[str, str], Conflict] | None = None,
    ) -> None:
        self.kind = kind
        self.transitions = {t.name: t for t in transitions}
        self._conflict = conflict or self._default_conflict

    def _default_conflict(self, state: str, name: str) -> Conflict:
        return Conflict(
            f"Not possible while the {self.kind} is {state}",
            reason="invalid_transition",
            extra={"state": state},
        )

    @property
    def states(self) -> set[str]:
        found: set[str] = set()
        for t in self.transitions.values():
            found |= set(t.sources or ())
            found |= {t.target} if t.target else set()
        return found

    def allowed(self, state: str | None, role: str) -> list[str]:
        """The transitions `role` may make from `state` (what a client may offer as buttons)."""
        return [t.name for t in self.transitions.values() if self._from_ok(t, state) and role in t.roles]

    @staticmethod
    def _from_ok(t: Transition, state: str | None) -> bool:
        return state is None if t.sources is None else state in t.sources

    def check(self, state: str | None, name: str, *, role: str) -> Transition:
        """The transition, if `role` may make it from `state`: else 403 (role) or 409 (state)."""
        transition = self.transitions[name]  # an unknown name is a programming error, not a 409
        if role not in transition.roles:
            raise Forbidden(f"A {role} may not {name} a {self.kind}", reason="transition_not_allowed")
        if not self._from_ok(transition, state):
            raise self._conflict(state or "new", name)
        return transition

    def move(
        self,
        record: Stateful,
        name: str,
        *,
        role: str,
        actor: Actor,
        history: Callable[[Change], H],
        note: str | None = None,
        at: datetime | None = None,
        initial: bool = False,
    ) -> H:
        """Check and apply transition `name` to `record`; returns the history row `history` builds.

        `initial`: the record is new (its constructor may already have set the first state)."""
        current = None if initial else getattr(record, "state", None)
        transition = self.check(current, name, role=role)
        target = transition.target or current
        assert target is not None
        change = Change(
            transition=name,
            from_state=None if transition.sources is None else current,
            to_state=target,
            actor=actor,
            note=note,
            at=at or clock.now(),
        )
        record.state = target
        return history(change)


def check_version(current: int, expected: int | None, *, what: str) -> None:
    """412 when the caller's version (from If-Match) is not the record's current one; None: not asked."""
    if expected is not None and expected != current:
        raise PreconditionFailed(f"The {what} was changed by someone else; reload it", reason="etag_mismatch")

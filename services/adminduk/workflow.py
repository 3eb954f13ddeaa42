"""The life cycles of births, deaths and corrections (gateway.kernel.workflow), and `move`, which
applies one and writes its adminduk_transition row."""

from __future__ import annotations

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.kernel.workflow import Change, Transition, Workflow, actor_of
from services.adminduk.births.models import Birth
from services.adminduk.corrections.models import Correction
from services.adminduk.deaths.models import Death
from services.adminduk.models import Transition as TransitionRow

FAMILY = {"citizen", "counter"}  # a family member, in the app or at the counter on their behalf

BIRTHS = Workflow(
    "birth",
    transitions=(
        Transition("notified", None, "notified", roles={"facility"}),
        Transition("needs_review", {"notified"}, "needs_review", roles={"facility"}),
        # at once when the hospital's report checks out, or when an officer approves a held one
        Transition("registered", {"notified", "needs_review"}, "registered", roles={"facility", "officer"}),
        Transition("rejected", {"needs_review"}, "rejected", roles={"officer"}),
        Transition("issued", {"registered"}, "issued", roles={"system"}),
        Transition("named", {"registered", "issued"}, None, roles=FAMILY),
    ),
)
DEATHS = Workflow(
    "death",
    transitions=(
        Transition("notified", None, "notified", roles={"facility", *FAMILY}),
        Transition("needs_review", {"notified"}, "needs_review", roles=FAMILY),
        Transition("registered", {"notified", "needs_review"}, "registered", roles={"facility", "officer"}),
        Transition("rejected", {"needs_review"}, "rejected", roles={"officer"}),
        Transition("issued", {"registered"}, "issued", roles={"system"}),
    ),
)
CORRECTIONS = Workflow(
    "correction",
    transitions=(
        Transition("submitted", None, "submitted", roles=FAMILY),
        Transition("approved", {"submitted"}, "approved", roles={"officer"}),
        Transition("rejected", {"submitted"}, "rejected", roles={"officer"}),
    ),
)
WORKFLOWS = {"birth": BIRTHS, "death": DEATHS, "correction": CORRECTIONS}


def role_of(principal: Principal | None) -> str:
    """The workflow role: system (jobs), facility (a hospital's client), citizen, or the staff role."""
    if principal is None:
        return "system"
    if principal.is_client:
        return "facility"
    if principal.is_citizen:
        return "citizen"
    return principal.role


def move(
    uow: UnitOfWork,
    kind: str,
    subject: Birth | Death | Correction,
    transition: str,
    principal: Principal | None,
    reason: str | None = None,
    *,
    initial: bool = False,
) -> TransitionRow:
    """Apply `transition` (named after the state it leads to) and write its row (who, when, why)."""

    def row(change: Change) -> TransitionRow:
        return TransitionRow(
            subject_kind=kind,
            subject_id=subject.id,
            from_state=change.from_state,
            to_state=change.to_state,
            actor=change.actor.label,
            actor_id=change.actor.id,
            reason=change.note,
            at=change.at,
        )

    history = WORKFLOWS[kind].move(
        subject,
        transition,
        role=role_of(principal),
        actor=actor_of(principal),
        history=row,
        note=reason,
        initial=initial,
    )
    session_of(uow).add(history)
    return history

"""Who is calling and what they may see of a complaint (reporter, handling OPD, desk, public)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.auth import Principal
from gateway.db import UnitOfWork, session_of
from gateway.identity import Staff
from services.complaints.catalogue import DESK_OPD
from services.complaints.models import (
    Complaint,
)
from services.complaints.service.common import STATUS_LABELS


@dataclass(frozen=True)
class Actor:
    """The caller as the workflow sees them."""

    principal: Principal | None
    staff: Staff | None

    @property
    def is_staff(self) -> bool:
        return self.principal is not None and self.principal.is_staff

    @property
    def is_admin(self) -> bool:
        return self.principal is not None and self.principal.role == "admin"

    @property
    def is_desk(self) -> bool:
        """The city's complaint desk triages: position complaint_desk, any DISKOMINFO officer, admins."""
        if self.is_admin:
            return True
        if self.principal is None or self.principal.role != "officer":
            return False
        return self.principal.opd == DESK_OPD or bool(self.staff and self.staff.position == "complaint_desk")

    @property
    def is_secretary(self) -> bool:
        return bool(self.staff and self.staff.position == "city_secretary")

    @property
    def opd(self) -> str | None:
        return self.principal.opd if self.principal else None

    def resident_id(self) -> str | None:
        """The citizen a request is about: the citizen, or the one a counter officer serves."""
        p = self.principal
        if p is None:
            return None
        if p.is_citizen:
            return p.resident_id
        return p.on_behalf_of


def _actor(uow: UnitOfWork, principal: Principal | None) -> Actor:
    staff = None
    if principal is not None and principal.is_staff:
        staff = session_of(uow).get(Staff, principal.id)
    return Actor(principal, staff)


def _is_reporter(actor: Actor, c: Complaint) -> bool:
    rid = actor.resident_id()
    return rid is not None and c.reporter_resident_id == rid


def _is_handler(actor: Actor, c: Complaint) -> bool:
    """Staff who work this complaint: the desk, the city secretary, or the OPD it is assigned to."""
    if not actor.is_staff or actor.principal is None or actor.principal.role not in ("officer", "admin"):
        return False
    if actor.is_desk or actor.is_secretary:
        return True
    return c.assigned_at is not None and actor.opd == c.opd_code


def access_level(actor: Actor, c: Complaint) -> str | None:
    """'staff', 'reporter', 'public', or None (may not see it → 404)."""
    if _is_handler(actor, c):
        return "staff"
    if _is_reporter(actor, c):
        return "reporter"
    if c.privacy == "confidential":
        return None
    return "public"


def reporter_visible_to_public(c: Complaint) -> bool:
    """Only `public` complaints show (a shortened) reporter name to the public."""
    return c.privacy == "public"


def status_label(c: Complaint) -> str:
    return STATUS_LABELS.get(c.state, c.state)

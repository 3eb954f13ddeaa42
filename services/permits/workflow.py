"""The application's workflow: who may do what in which state (the kernel's Workflow), and the caller's
role towards one application (applicant, DPMPTSP, the type's technical OPD, the system's clock).

The states follow the catalogue's steps: an application waits for its requirements, then sits in the
step being worked (screening, technical_review, inspection, approval), pauses in `correction` while the
applicant answers, waits in `awaiting_payment` for the retribusi, and ends issued, rejected or void.
"""

from __future__ import annotations

from gateway.auth import Principal
from gateway.errors import Forbidden
from gateway.kernel.workflow import Transition, Workflow
from services.permits import catalogue
from services.permits.errors import ApplicationNotFound
from services.permits.models import Application

DPMPTSP = "DPMPTSP"
WORKED_STEPS = ("screening", "technical_review", "inspection", "approval")
REVIEW_STEPS = ("screening", "technical_review", "inspection")
OPEN_STATES = ("awaiting_requirements", *WORKED_STEPS, "correction", "awaiting_payment")
CLOSED_STATES = ("issued", "rejected", "void")

APPLICANT, OFFICE, TECHNICAL, SYSTEM = "applicant", "dpmptsp", "technical", "system"

APPLICATIONS = Workflow(
    "permit application",
    transitions=(
        Transition("submit", {"awaiting_requirements"}, "screening", roles={APPLICANT}),
        Transition("request_correction", set(REVIEW_STEPS), "correction", roles={OFFICE, TECHNICAL}),
        Transition("answer_correction", {"correction"}, None, roles={APPLICANT}),
        Transition("complete_step", set(REVIEW_STEPS), None, roles={OFFICE, TECHNICAL}),
        Transition("approve", {"approval"}, "issued", roles={OFFICE}),
        Transition("reject", set(WORKED_STEPS), "rejected", roles={OFFICE, TECHNICAL}),
        Transition("await_payment", set(REVIEW_STEPS), "awaiting_payment", roles={SYSTEM}),
        Transition("paid", {"awaiting_payment"}, "approval", roles={SYSTEM}),
        Transition("void", {"awaiting_payment"}, "void", roles={SYSTEM}),
        Transition("fiktif_positif", set(WORKED_STEPS), "issued", roles={SYSTEM}),
    ),
)

# Actions people take through the API (the system's own are taken by jobs).
PEOPLE_ACTIONS = ("submit", "request_correction", "answer_correction", "complete_step", "approve", "reject")


def is_applicant(principal: Principal, app: Application) -> bool:
    """The business owner herself, or the counter serving her (X-On-Behalf-Of)."""
    if app.applicant_resident_id is None:
        return False
    if principal.is_citizen:
        return principal.resident_id == app.applicant_resident_id
    return principal.role == "counter" and principal.on_behalf_of == app.applicant_resident_id


def staff_role(principal: Principal, permit_type: catalogue.PermitType) -> str | None:
    """DPMPTSP officers (and admins) work every application; a technical OPD those of its types."""
    if principal.role == "admin" or (principal.role == "officer" and principal.opd == DPMPTSP):
        return OFFICE
    if principal.role == "officer" and principal.opd and principal.opd == permit_type.technical_opd:
        return TECHNICAL
    return None


def role_of(principal: Principal, app: Application) -> str:
    """The caller's role towards this application; someone with none gets a 404 (not theirs to see)."""
    if is_applicant(principal, app):
        return APPLICANT
    role = staff_role(principal, type_of(app))
    if role is None:
        raise ApplicationNotFound("Application not found")
    return role


def type_of(app: Application) -> catalogue.PermitType:
    permit_type = catalogue.get(app.permit_type)
    assert permit_type is not None, f"permit type {app.permit_type} left the catalogue"
    return permit_type


def check_step_owner(role: str, app: Application) -> None:
    """Officers act only on their OPD's step: DPMPTSP screens and approves, the technical OPD reviews and
    inspects (as the catalogue says)."""
    if role not in (OFFICE, TECHNICAL) or app.step is None:
        return
    step = type_of(app).step(app.step)
    expected = TECHNICAL if step is not None and step.opd == "technical" else OFFICE
    if role != expected:
        owner = type_of(app).opd_of(step) if step is not None else DPMPTSP
        raise Forbidden(f"The {app.step} step belongs to {owner}", reason="transition_not_allowed")

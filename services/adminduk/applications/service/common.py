"""What every application use case shares: the rules' figures, labels, who is an officer, the
application workflow and its steps."""

from __future__ import annotations

from datetime import date

from gateway import outbox
from gateway.auth import Principal
from gateway.db import UnitOfWork, new_id, session_of
from gateway.errors import NotFound, ValidationFailed
from gateway.kernel.workflow import Change, Transition, Workflow, actor_of
from services.adminduk.applications import jobs as application_jobs
from services.adminduk.applications.models import (
    OPEN_STATES,
    WITH_OFFICE,
    Application,
    ApplicationEvent,
)
from services.adminduk.common import is_disdukcapil_officer
from services.adminduk.workflow import FAMILY, role_of

# Working days from a complete (re)submission to the decision. A reprint is the same registry
# record printed again (one day); a KK change or a move out is checked against the registry (three).
SLA_WORKDAYS = {"kk_change": 3, "reprint": 1, "move_out": 3}


REQUIRED_ATTACHMENTS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("kk_change", "address"): (),
    ("kk_change", "occupation"): (),
    ("kk_change", "education"): ("ijazah",),
    ("kk_change", "marital_status"): ("marriage_certificate",),
    ("reprint", "akta_kelahiran"): ("police_loss_report",),
    ("reprint", "kk"): ("police_loss_report",),
    ("reprint", "kia"): ("police_loss_report",),
    ("move_out", None): (),
}


MARRIED = {"KAWIN", "KAWIN TERCATAT"}


MARRIED_RECORDED = "KAWIN TERCATAT"


HEAD = "KEPALA KELUARGA"


ADULT_AGE = 17


KIA_AGE_LIMIT = 17


SKPWNI_KIND = "skpwni"


SKPWNI_TITLE = "SURAT KETERANGAN PINDAH"


SKPWNI_TEMPLATE = "{kabkota}-SKPWNI-{ddmmyyyy}-{serial:04d}"


REPRINT_FIELD = "Keterangan Cetak Ulang"


LABELS = {
    ("kk_change", "address"): "perubahan alamat pada KK",
    ("kk_change", "occupation"): "perubahan pekerjaan pada KK",
    ("kk_change", "education"): "perubahan pendidikan pada KK",
    ("kk_change", "marital_status"): "perubahan status perkawinan pada KK",
    ("reprint", "akta_kelahiran"): "cetak ulang akta kelahiran",
    ("reprint", "kk"): "cetak ulang KK",
    ("reprint", "kia"): "cetak ulang KIA",
    ("move_out", None): "surat keterangan pindah",
}


def as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def invalid(field: str, message: str, reason: str) -> ValidationFailed:
    return ValidationFailed(message, reason=reason, errors={"json": {field: [message]}})


def label(application: Application) -> str:
    return LABELS[(application.kind, application.sub_kind)]


def require_officer(principal: Principal) -> None:
    # Officers of other agencies do not learn that the queue or an application exists.
    if not is_disdukcapil_officer(principal):
        raise NotFound("Not found", reason="not_found")


APPLICATIONS = Workflow(
    "application",
    transitions=(
        Transition("submitted", None, "submitted", roles=FAMILY),
        Transition("resubmitted", {"needs_correction"}, "submitted", roles=FAMILY),
        Transition("cancelled", OPEN_STATES, "cancelled", roles=FAMILY),
        Transition("review_started", {"submitted"}, "in_review", roles={"officer"}),
        Transition("note", WITH_OFFICE, None, roles={"officer"}),
        Transition("correction_requested", WITH_OFFICE, "needs_correction", roles={"officer"}),
        Transition("rejected", WITH_OFFICE, "rejected", roles={"officer"}),
        Transition("approved", WITH_OFFICE, "approved", roles={"officer"}),
    ),
)


def step(
    uow: UnitOfWork,
    application: Application,
    kind: str,
    principal: Principal | None,
    note: str | None = None,
    *,
    visible: bool = True,
    initial: bool = False,
) -> ApplicationEvent:
    """Record a step, move the state, bump the version; the citizen is told after commit."""

    def row(change: Change) -> ApplicationEvent:
        return ApplicationEvent(
            id=new_id(),
            application_id=application.id,
            kind=kind,
            from_state=change.from_state,
            to_state=change.to_state,
            actor=change.actor.label,
            actor_id=change.actor.id,
            note=note,
            visible_to_citizen=visible,
            at=change.at,
        )

    event = APPLICATIONS.move(
        application,
        kind,
        role=role_of(principal),
        actor=actor_of(principal, citizen_label="citizen"),  # which family member: not shown
        history=row,
        note=note,
        initial=initial,
    )
    session_of(uow).add(event)
    if not initial:
        application.version += 1
    session_of(uow).flush()
    if visible:
        outbox.enqueue(uow, application_jobs.notify_step, application_id=application.id, event_id=event.id)
    return event

"""Applications' use cases, split by who acts: the citizen (citizen.py) and the officer (officer.py), on
the shared checks (checks.py), attachments (files.py), views (views.py), the workflow (common.py) and what
an approval changes (changes.py). Routes and jobs import this package; the names are the same as before."""

from __future__ import annotations

from services.adminduk.applications.service.citizen import attachment, cancel, get, mine, resubmit, submit
from services.adminduk.applications.service.common import APPLICATIONS, label
from services.adminduk.applications.service.files import required_attachments
from services.adminduk.applications.service.officer import (
    add_note,
    approve,
    queue,
    reject,
    request_correction,
    start_review,
    view_for_update,
)
from services.adminduk.applications.service.views import application_view

__all__ = [
    "APPLICATIONS",
    "add_note",
    "application_view",
    "approve",
    "attachment",
    "cancel",
    "get",
    "label",
    "mine",
    "queue",
    "reject",
    "request_correction",
    "required_attachments",
    "resubmit",
    "start_review",
    "submit",
    "view_for_update",
]

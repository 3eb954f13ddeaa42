"""Complaint use cases: intake on every channel, access rules, the workflow, deadlines, views.

Every function takes a UnitOfWork (not yet entered) and keyword arguments; `principal` is the
caller (citizen, staff, machine client) or None for the public / the SMS provider. Time-dependent
functions take `now=` (aware UTC) so tests and jobs can move the clock.

For the Open311 layer (services/complaints/open311/) the useful entry points are:
  create_complaint(uow, principal=<client with scope open311:write>, category_code=…, …) → Complaint
  public_list(uow, …) → (rows, total)       confidential never included
  get_public(uow, number=…) → Complaint       404 for confidential / unknown
  category_by_code / list_categories          the catalogue (= Open311 services)
  public_events(uow, complaint_ids=…)         public history, for servicerequestupdates
  reporter_visible_to_public(c) / status_label(c)
"""

from __future__ import annotations

from services.complaints.service.access import Actor, access_level, reporter_visible_to_public, status_label
from services.complaints.service.categories import (
    category_by_code,
    guess_category,
    list_categories,
    normalize_code,
)
from services.complaints.service.common import (
    ASSIGNED_STATES,
    AUTO_CLOSE_WORKDAYS,
    LAT_RANGE,
    LON_RANGE,
    MAX_DESCRIPTION,
    NEARBY_DAYS,
    NEARBY_METRES,
    OPEN311_SCOPE,
    REOPEN_WORKDAYS,
    STATUS_LABELS,
    UUID_RE,
)
from services.complaints.service.deadlines import (
    LADDER,
    local_text,
    notices,
    sentence,
    sentences,
    staff_of,
    sweep,
)
from services.complaints.service.following import follow
from services.complaints.service.followup import confirm, rate, reopen
from services.complaints.service.intake import create_complaint
from services.complaints.service.notifications import notify_event
from services.complaints.service.open311_feed import (
    OPEN311_COLUMNS,
    OPEN311_UPDATE_KINDS,
    agency_names,
    open311_page,
    open311_retry_of,
    open311_updates,
)
from services.complaints.service.reading import (
    get_complaint,
    get_public,
    mine,
    nearby,
    photo,
    public_events,
    public_list,
    queue,
    staff_view_for_update,
    view,
)
from services.complaints.service.referrals import file_referral
from services.complaints.service.sms import FIRST_NUMBER_DAY, STATUS_RE, handle_inbound
from services.complaints.service.stats import stats
from services.complaints.service.workflow import ACTIONS, COMPLAINTS, REPORTER, STAFF, SYSTEM, act

__all__ = [
    "ACTIONS",
    "ASSIGNED_STATES",
    "AUTO_CLOSE_WORKDAYS",
    "Actor",
    "COMPLAINTS",
    "FIRST_NUMBER_DAY",
    "LADDER",
    "LAT_RANGE",
    "LON_RANGE",
    "MAX_DESCRIPTION",
    "NEARBY_DAYS",
    "NEARBY_METRES",
    "OPEN311_COLUMNS",
    "OPEN311_SCOPE",
    "OPEN311_UPDATE_KINDS",
    "REOPEN_WORKDAYS",
    "REPORTER",
    "STAFF",
    "STATUS_LABELS",
    "STATUS_RE",
    "SYSTEM",
    "UUID_RE",
    "access_level",
    "act",
    "agency_names",
    "category_by_code",
    "confirm",
    "create_complaint",
    "file_referral",
    "follow",
    "get_complaint",
    "get_public",
    "guess_category",
    "handle_inbound",
    "list_categories",
    "local_text",
    "mine",
    "nearby",
    "normalize_code",
    "notices",
    "notify_event",
    "open311_page",
    "open311_retry_of",
    "open311_updates",
    "photo",
    "public_events",
    "public_list",
    "queue",
    "rate",
    "reopen",
    "reporter_visible_to_public",
    "sentence",
    "sentences",
    "staff_of",
    "staff_view_for_update",
    "stats",
    "status_label",
    "sweep",
    "view",
]

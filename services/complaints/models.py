"""Complaint tables: the category catalogue, complaints, their history, photos, ratings, followers,
the daily number counter, inbound-message dedupe and staff notices (reminders / escalations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, id_column, utcnow

# Life cycle (issue 5 §2). "overdue" is a flag, not a state.
STATES = (
    "submitted",
    "verified",
    "rejected",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "duplicate",
)
OPEN_STATES = ("submitted", "verified", "assigned", "in_progress")
PRIVACY = ("public", "anonymous", "confidential")
CHANNELS = ("app", "counter", "call_centre", "sms", "whatsapp", "open311")
OUTCOMES = ("fixed", "not_fixed")


class ComplaintCategory(Base):
    """A kind of complaint (= an Open311 service): who must act, how fast, what it asks for."""

    __tablename__ = "complaints_category"
    __table_args__ = {"info": {"reference": True}}

    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # the Open311 service_code
    name: Mapped[str] = mapped_column(String(120))  # Indonesian name shown to citizens
    description: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str] = mapped_column(String(60), default="")  # Open311 "group"
    keywords: Mapped[list] = mapped_column(default=list)  # lower-case words that guess it from an SMS
    opd_code: Mapped[str] = mapped_column(String(40))  # the OPD a verified complaint is assigned to
    verify_days: Mapped[int] = mapped_column(Integer, default=1)  # working days to verify
    answer_days: Mapped[int] = mapped_column(Integer, default=3)  # working days from verify to answer
    # Open311 attributes: [{"code", "datatype", "required", "description", "order", "values": [{key, name}]}]
    attributes: Mapped[list] = mapped_column(default=list)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)  # not filed: call 112
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Complaint(Base):
    """One complaint, whatever the channel; `number` is the public id everywhere (Open311 too)."""

    __tablename__ = "complaints_complaint"
    __table_args__ = (
        # officers' queue: their OPD, a state, newest/oldest first
        Index("ix_complaints_complaint_opd_state_created", "opd_code", "state", "created_at"),
        Index("ix_complaints_complaint_opd_created", "opd_code", "created_at"),
        Index("ix_complaints_complaint_opd_overdue", "opd_code", "overdue", "state"),
        # the officer queue filtered by category (and overdue): index-only count instead of a bitmap AND
        Index("ix_complaints_complaint_opd_category", "opd_code", "category_code", "overdue", "state"),
        # "nearby" and stats: category over a period
        Index("ix_complaints_complaint_category_created", "category_code", "created_at"),
        # the desk's triage queue and public lists by state
        Index("ix_complaints_complaint_state_created", "state", "created_at"),
        Index("ix_complaints_complaint_reporter", "reporter_resident_id", "created_at"),
        Index("ix_complaints_complaint_created", "created_at"),
        Index("ix_complaints_complaint_updated", "updated_at"),
        Index("ix_complaints_complaint_kelurahan", "kelurahan_code", "state"),
        CheckConstraint("length(description) <= 4000", name="description_length"),
    )

    id: Mapped[str] = id_column()
    number: Mapped[str] = mapped_column(String(14), unique=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("complaints_category.code"))
    # The OPD responsible now (from the category at filing; changed by re-routing).
    opd_code: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default="submitted")
    channel: Mapped[str] = mapped_column(String(12))
    privacy: Mapped[str] = mapped_column(String(12), default="public")
    description: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict] = mapped_column(default=dict)  # answers to the category's attributes
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    kelurahan_code: Mapped[str | None] = mapped_column(String(13))
    address: Mapped[str | None] = mapped_column(String(300))

    # Reporter: a resident (app / counter on behalf) or only a name/phone/email (SMS, call centre, Open311).
    reporter_resident_id: Mapped[str | None] = mapped_column(String(36))
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    reporter_email: Mapped[str | None] = mapped_column(String(200))
    filed_by_staff_id: Mapped[str | None] = mapped_column(String(36))
    filed_by_client_id: Mapped[str | None] = mapped_column(String(64))

    outcome: Mapped[str | None] = mapped_column(String(10))  # fixed | not_fixed
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(String(20))  # spam | not_city
    responsible_party: Mapped[str | None] = mapped_column(String(200))  # who is, when not the city
    public_answer: Mapped[str | None] = mapped_column(Text)  # latest public reply / resolution text
    duplicate_of_id: Mapped[str | None] = mapped_column(ForeignKey("complaints_complaint.id"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column()
    assigned_at: Mapped[datetime | None] = mapped_column()
    first_response_at: Mapped[datetime | None] = mapped_column()  # first verify/reject/public reply
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    verify_due_at: Mapped[datetime] = mapped_column()
    answer_due_at: Mapped[datetime] = mapped_column()
    answered_in_time: Mapped[bool | None] = mapped_column(Boolean)  # set when resolved / rejected
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_since: Mapped[datetime | None] = mapped_column()
    supporters: Mapped[int] = mapped_column(Integer, default=0)  # "me too" followers
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)  # reminders/escalations per round
    # Optimistic locking: every UPDATE checks and bumps it (StaleDataError if someone else won);
    # a PATCH also sends it as the version the officer saw (the ETag itself hashes the whole view).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


# The officers' queue filters on OPD, category, state and overdue at once. They are correlated (a category
# belongs to one OPD, only open complaints are overdue), so PostgreSQL's per-column estimates multiply to
# ~40× too few rows and it fetches and sorts every match instead of walking the created_at index for the
# newest 20. Multivariate MCV statistics give the planner the real combinations (migration 0015; ANALYZE
# fills them).
QUEUE_STATISTICS = "complaints_complaint_queue"
QUEUE_STATISTICS_DDL = (
    f"CREATE STATISTICS IF NOT EXISTS {QUEUE_STATISTICS} (mcv) "
    "ON opd_code, category_code, state, overdue FROM complaints_complaint"
)
event.listen(Complaint.__table__, "after_create", DDL(QUEUE_STATISTICS_DDL).execute_if(dialect="postgresql"))


class ComplaintEvent(Base):
    """History: every transition, note, re-routing and "me too" — who, when, from, to, what was said."""

    __tablename__ = "complaints_event"
    __table_args__ = (
        UniqueConstraint("complaint_id", "seq", name="uq_complaints_event_seq"),
        Index("ix_complaints_event_created", "created_at"),
    )

    id: Mapped[str] = id_column()
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints_complaint.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per complaint: the order of its history
    kind: Mapped[str] = mapped_column(String(16))  # transition | note | reroute | support | escalation
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    from_opd: Mapped[str | None] = mapped_column(String(40))
    to_opd: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # internal notes: public=False
    actor_kind: Mapped[str] = mapped_column(String(10))  # citizen | staff | client | system | sms
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(12))
    actor_opd: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintPhoto(Base):
    """A validated, re-encoded image (metadata stripped), stored in the database (stateless API)."""

    __tablename__ = "complaints_photo"
    __table_args__ = (Index("ix_complaints_photo_complaint", "complaint_id"),)

    id: Mapped[str] = id_column()
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints_complaint.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of upload
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintRating(Base):
    """The reporter's verdict on the answer: 1–5 and whether it was really fixed (one per complaint)."""

    __tablename__ = "complaints_rating"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[str] = id_column()
    complaint_id: Mapped[str] = mapped_column(
        ForeignKey("complaints_complaint.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[int] = mapped_column(Integer)
    fixed: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintFollower(Base):
    """Someone backing a complaint ("me too"): counted as a supporter, told about status changes."""

    __tablename__ = "complaints_follower"
    __table_args__ = (
        UniqueConstraint("complaint_id", "resident_id", name="uq_complaints_follower_resident"),
        UniqueConstraint("complaint_id", "phone", name="uq_complaints_follower_phone"),
        Index("ix_complaints_follower_resident", "resident_id"),
    )

    id: Mapped[str] = id_column()
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints_complaint.id", ondelete="CASCADE"))
    resident_id: Mapped[str | None] = mapped_column(String(36))  # app users → inbox
    phone: Mapped[str | None] = mapped_column(String(20))  # SMS/WhatsApp senders → SMS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """Each provider message id once: retries and floods never file a second complaint."""

    __tablename__ = "complaints_inbound_message"

    id: Mapped[str] = id_column()
    provider_message_id: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms | whatsapp
    from_phone: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(16))  # created | supported | status | invalid_number
    complaint_id: Mapped[str | None] = mapped_column(String(36))
    reply: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffNotice(Base):
    """A reminder or escalation addressed to an OPD (or one staff member); each dedupe_key once.

    Officers have no inbox of their own, so these rows are their inbox (GET /complaints/notices),
    and an SMS goes to the staff member's phone when one is on file.
    """

    __tablename__ = "complaints_staff_notice"
    __table_args__ = (Index("ix_complaints_staff_notice_opd", "opd_code", "created_at"),)

    id: Mapped[str] = id_column()
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints_complaint.id", ondelete="CASCADE"))
    opd_code: Mapped[str] = mapped_column(String(40))
    staff_id: Mapped[str | None] = mapped_column(String(36))  # None: everyone of the OPD
    kind: Mapped[str] = mapped_column(String(30))  # reminder | escalation_head | escalation_secretary
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()


class ComplaintSweepMark(Base):
    """One row per (complaint, step) a periodic job has done: reminders and escalations happen once."""

    __tablename__ = "complaints_sweep_mark"
    __table_args__ = (UniqueConstraint("complaint_id", "step", name="uq_complaints_sweep_mark_step"),)

    id: Mapped[str] = id_column()
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints_complaint.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(60))  # e.g. "verify:reminder", "answer:head", "close:auto"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintReferral(Base):
    """A complaint filed from another service's event (e.g. parking's "jukir minta tunai"): each source
    record once, however often the event's job runs."""

    __tablename__ = "complaints_referral"
    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_complaints_referral_source"),)

    id: Mapped[str] = id_column()
    source: Mapped[str] = mapped_column(String(40))  # the publishing event, e.g. parking.cash_demand_reported
    source_id: Mapped[str] = mapped_column(String(36))
    complaint_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

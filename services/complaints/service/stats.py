"""Public accountability: per-OPD statistics over a period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select

from gateway.db import UnitOfWork, session_of
from gateway.kernel import clock
from services.complaints.models import (
    OPEN_STATES,
    Complaint,
    ComplaintCategory,
    ComplaintRating,
)
from services.complaints.service.common import _now, invalid_field


def _seconds_between(uow: UnitOfWork, later: Any, earlier: Any) -> Any:
    if uow.is_postgres:
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _count_if(cond: Any) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _totals(period: Any, now: datetime) -> Select[Any]:
    """Per OPD and category: received, answered in time (of those due), fixed (of those with an
    outcome), overdue now, the ratings."""
    return (
        select(
            Complaint.opd_code,
            Complaint.category_code,
            func.count(Complaint.id).label("received"),
            _count_if(Complaint.answered_in_time.is_(True)).label("in_time"),
            _count_if(or_(Complaint.answered_in_time.is_not(None), Complaint.answer_due_at < now)).label(
                "due"
            ),
            _count_if(Complaint.outcome == "fixed").label("fixed"),
            _count_if(Complaint.outcome.is_not(None)).label("with_outcome"),
            _count_if(and_(Complaint.overdue.is_(True), Complaint.state.in_(OPEN_STATES))).label("overdue"),
            func.avg(ComplaintRating.score).label("rating"),
            func.count(ComplaintRating.id).label("ratings"),
        )
        .outerjoin(ComplaintRating, ComplaintRating.complaint_id == Complaint.id)
        .where(period)
        .group_by(Complaint.opd_code, Complaint.category_code)
        .order_by(Complaint.opd_code, Complaint.category_code)
    )


def _median_first_response(uow: UnitOfWork, period: Any) -> dict[tuple[str, str], float]:
    """Seconds to the first response, the median per OPD and category (a window function)."""
    secs = _seconds_between(uow, Complaint.first_response_at, Complaint.created_at)
    ranked = (
        select(
            Complaint.opd_code.label("opd"),
            Complaint.category_code.label("cat"),
            secs.label("s"),
            func.row_number()
            .over(partition_by=(Complaint.opd_code, Complaint.category_code), order_by=secs)
            .label("rn"),
            func.count().over(partition_by=(Complaint.opd_code, Complaint.category_code)).label("n"),
        )
        .where(period, Complaint.first_response_at.is_not(None))
        .subquery()
    )
    median = (
        select(ranked.c.opd, ranked.c.cat, func.avg(ranked.c.s))
        .where(ranked.c.rn >= ranked.c.n / 2.0, ranked.c.rn <= ranked.c.n / 2.0 + 1)
        .group_by(ranked.c.opd, ranked.c.cat)
    )
    return {(o, k): float(v) for o, k, v in session_of(uow).execute(median)}


def stats(uow: UnitOfWork, *, start: Any, end: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per OPD and category, complaints filed between local dates `start` and `end` (inclusive):
    received, median hours to first response, share answered within the deadline (of those answered
    or past their deadline), share fixed (of those with an outcome), average rating, overdue now.
    All computed by the database (aggregates and a window function for the median)."""
    now = _now(now)
    if end < start:
        raise invalid_field("to", "'to' is before 'from'")
    if (end - start).days > 366:
        raise invalid_field("to", "At most one year per query")
    lo = datetime.combine(start, datetime.min.time(), clock.local_tz())
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), clock.local_tz())
    period = and_(Complaint.created_at >= lo, Complaint.created_at < hi)
    with uow:
        medians = _median_first_response(uow, period)
        names = dict(session_of(uow).execute(select(ComplaintCategory.code, ComplaintCategory.name)).all())
        out = []
        for row in session_of(uow).execute(_totals(period, now)):
            m = medians.get((row.opd_code, row.category_code))
            out.append(
                {
                    "opd_code": row.opd_code,
                    "category_code": row.category_code,
                    "category_name": names.get(row.category_code, row.category_code),
                    "received": int(row.received),
                    "median_first_response_hours": round(m / 3600.0, 2) if m is not None else None,
                    "answered_within_deadline_share": round(int(row.in_time) / int(row.due), 4)
                    if row.due
                    else None,
                    "fixed_share": round(int(row.fixed) / int(row.with_outcome), 4)
                    if row.with_outcome
                    else None,
                    "average_rating": round(float(row.rating), 2) if row.ratings else None,
                    "ratings": int(row.ratings),
                    "overdue_now": int(row.overdue),
                }
            )
        return out

"""Reconciliation and leakage per attendant, zone and device: visits started, paid, covered by a
subscription or unpaid; rupiah due vs collected (vs settled by the bank, once payments reports it);
the 54% monthly deposit target per point; and the flags Dishub acts on."""

from __future__ import annotations

import calendar
import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, case, cast, func, select

from gateway.auth import Principal
from gateway.db import UnitOfWork, insert_once, session_of
from gateway.errors import Forbidden
from gateway.kernel import clock
from services.parking.models import Session, Zone
from services.parking.service.access import is_dishub

GROUPS = {"attendant": Session.attendant_id, "zone": Session.zone_code, "device": Session.device_id}
DEPOSIT_SHARE = 0.54  # since November 2025: 54% of a point's monthly potential, through Bank Sumut
UNPAID_SHARE_FLAG = 0.30
GAP_FLAG = timedelta(hours=2)  # no visit for this long between two visits of a device's day
BELOW_POTENTIAL = 0.5  # collected under half of what the point's own history says it brings
HISTORY_DAYS = 28
FINANCE_OPD = "BAPENDA"


def require_reader(principal: Principal) -> None:
    """Dishub runs the points, Bapenda (finance) counts the money, the admin oversees."""
    finance = principal.is_staff and principal.role == "officer" and principal.opd == FINANCE_OPD
    if not (is_dishub(principal) or finance or (principal.is_staff and principal.role == "admin")):
        raise Forbidden(
            "Only Dishub, Bapenda or the admin read the reconciliation", reason="role_not_allowed"
        )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local days [start, end] as a UTC half-open interval."""
    tz = clock.local_tz()
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


@dataclass
class Row:
    key: str
    started: int = 0
    paid: int = 0
    subscription: int = 0
    unpaid: int = 0
    due: int = 0
    collected: int = 0
    outside_zone: int = 0
    longest_gap_minutes: int = 0
    flags: list[str] = field(default_factory=list)

    @property
    def unpaid_share(self) -> float:
        chargeable = self.started - self.subscription
        return round(self.unpaid / chargeable, 3) if chargeable else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "started": self.started,
            "paid": self.paid,
            "subscription": self.subscription,
            "unpaid": self.unpaid,
            "unpaid_share": self.unpaid_share,
            "due": self.due,
            "collected": self.collected,
            "settled": None,  # the bank's settlement: from payments' reconciliation when it reports it
            "outside_zone": self.outside_zone,
            "longest_gap_minutes": self.longest_gap_minutes,
            "flags": self.flags,
        }


def _totals(uow: UnitOfWork, column: Any, lo: datetime, hi: datetime) -> dict[str, Row]:
    state = Session.payment_state
    stmt = (
        select(
            column,
            func.count(),
            func.sum(case((state == "paid", 1), else_=0)),
            func.sum(case((state == "subscription", 1), else_=0)),
            func.sum(case((state == "unpaid", 1), else_=0)),
            func.sum(case((state != "subscription", Session.amount), else_=0)),
            func.sum(case((state == "paid", Session.amount), else_=0)),
            func.sum(case((Session.outside_zone.is_(True), 1), else_=0)),
        )
        .where(Session.started_at >= lo, Session.started_at < hi)
        .group_by(column)
    )
    rows = {}
    for key, started, paid, sub, unpaid, due, collected, outside in session_of(uow).execute(stmt):
        rows[key] = Row(
            key, started, paid or 0, sub or 0, unpaid or 0, due or 0, collected or 0, outside or 0
        )
    return rows


def _gaps(uow: UnitOfWork, column: Any, lo: datetime, hi: datetime) -> dict[str, timedelta]:
    """The longest pause between two consecutive visits of the same device on the same local day.

    A window function walks each device's visits in the order of its (device_id, started_at) index, in
    the database: a month of a city's visits never comes to Python."""
    offset = int(clock.now().astimezone(clock.local_tz()).utcoffset().total_seconds())  # WIB: no DST
    if uow.is_postgres:
        epoch = func.date_part("epoch", Session.started_at)  # double precision: cheaper than numeric

        def day(seconds: Any) -> Any:
            return func.floor((seconds + offset) / 86400)
    else:
        epoch = (func.julianday(Session.started_at) - 2440587.5) * 86400.0

        def day(seconds: Any) -> Any:
            return cast((seconds + offset) / 86400, Integer)  # positive: truncation is floor

    before = func.lag(epoch).over(partition_by=Session.device_id, order_by=Session.started_at)
    gap = case((day(epoch) == day(before), epoch - before))  # NULL across a night or at a day's first
    visits = (
        select(column.label("key"), gap.label("gap"))
        .where(Session.started_at >= lo, Session.started_at < hi)
        .subquery()
    )
    stmt = select(visits.c.key, func.max(visits.c.gap)).group_by(visits.c.key)
    return {
        key: timedelta(seconds=round(float(longest)))
        for key, longest in session_of(uow).execute(stmt)
        if longest is not None
    }


def _learned_daily_due(uow: UnitOfWork, lo: datetime) -> dict[str, float]:
    """Each point's average daily due over the weeks before the period: its own potential."""
    since = lo - timedelta(days=HISTORY_DAYS)
    stmt = (
        select(Session.zone_code, func.sum(Session.amount))
        .where(Session.started_at >= since, Session.started_at < lo, Session.payment_state != "subscription")
        .group_by(Session.zone_code)
    )
    return {zone: (total or 0) / HISTORY_DAYS for zone, total in session_of(uow).execute(stmt)}


def report(
    uow: UnitOfWork, *, principal: Principal | None, start: date, end: date, group: str = "zone"
) -> dict[str, Any]:
    """The reconciliation for local days [start, end], grouped by attendant, zone or device."""
    if principal is not None:
        require_reader(principal)
    column = GROUPS[group]
    lo, hi = _bounds(start, end)
    with uow:
        rows = _totals(uow, column, lo, hi)
        for key, gap in _gaps(uow, column, lo, hi).items():
            rows[key].longest_gap_minutes = int(gap.total_seconds() // 60)
        learned = _learned_daily_due(uow, lo) if group == "zone" else {}
        days = (end - start).days + 1
        for row in rows.values():
            if row.unpaid_share > UNPAID_SHARE_FLAG:
                row.flags.append("high_unpaid_share")
            if row.longest_gap_minutes >= GAP_FLAG.total_seconds() // 60:
                row.flags.append("activity_gap")
            if row.outside_zone:
                row.flags.append("sessions_outside_zone")
            potential = learned.get(row.key, 0.0) * days
            if potential and row.collected < BELOW_POTENTIAL * potential:
                row.flags.append("below_potential")
        ordered = sorted(rows.values(), key=lambda r: r.key)
        totals = Row("total")
        for row in ordered:
            for name in ("started", "paid", "subscription", "unpaid", "due", "collected", "outside_zone"):
                setattr(totals, name, getattr(totals, name) + getattr(row, name))
        return {
            "start": start,
            "end": end,
            "group": group,
            "rows": [r.as_dict() for r in ordered],
            "totals": totals.as_dict(),
        }


def deposit_targets(uow: UnitOfWork, *, principal: Principal | None, month: str) -> list[dict[str, Any]]:
    """Per point for a month: its potential (the mean monthly due of the 3 months before, else this
    month's), the 54% deposit target, what was collected by QRIS, and whether the target is met."""
    if principal is not None:
        require_reader(principal)
    first = date.fromisoformat(f"{month}-01")
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    lo, hi = _bounds(first, last)
    history_lo = _bounds(_months_back(first, 3), first)[0]
    with uow:
        session = session_of(uow)
        month_rows = _totals(uow, Session.zone_code, lo, hi)
        history = dict(
            session.execute(
                select(Session.zone_code, func.sum(Session.amount))
                .where(
                    Session.started_at >= history_lo,
                    Session.started_at < lo,
                    Session.payment_state != "subscription",
                )
                .group_by(Session.zone_code)
            ).all()
        )
        zones = list(session.scalars(select(Zone).where(Zone.active.is_(True)).order_by(Zone.code)))
        out = []
        for zone in zones:
            row = month_rows.get(zone.code, Row(zone.code))
            potential = round(history[zone.code] / 3) if history.get(zone.code) else row.due
            target = math.ceil(potential * DEPOSIT_SHARE)
            out.append(
                {
                    "zone_code": zone.code,
                    "month": first.strftime("%Y-%m"),
                    "potential": potential,
                    "potential_source": "history" if history.get(zone.code) else "this_month",
                    "target": target,
                    "collected": row.collected,
                    "settled": None,
                    "met": row.collected >= target,
                }
            )
        return out


def _months_back(first: date, n: int) -> date:
    year, month = first.year, first.month - n
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


CSV_COLUMNS = (
    "key",
    "started",
    "paid",
    "subscription",
    "unpaid",
    "unpaid_share",
    "due",
    "collected",
    "settled",
    "outside_zone",
    "longest_gap_minutes",
    "flags",
)


def as_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow((result["group"], *CSV_COLUMNS[1:]))
    for row in [*result["rows"], result["totals"]]:
        values = [row[c] for c in CSV_COLUMNS]
        values[-1] = " ".join(row["flags"])
        values[CSV_COLUMNS.index("settled")] = "" if row["settled"] is None else row["settled"]
        writer.writerow(values)
    return out.getvalue()


def run_nightly(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Reconcile yesterday (local) per attendant, zone and device once; store it and set the gauges."""
    from services.parking import metrics
    from services.parking.models import ReconciliationRun

    now = now or clock.now()
    day = clock.local_today(now) - timedelta(days=1)
    made = 0
    for group in GROUPS:
        with UnitOfWork() as check:
            done = session_of(check).scalar(
                select(ReconciliationRun.id).where(
                    ReconciliationRun.day == day, ReconciliationRun.group == group
                )
            )
        if done:
            continue
        result = report(UnitOfWork(read_only=True), principal=None, start=day, end=day, group=group)
        if group == "zone":
            metrics.publish(result)
        stored = {**result, "start": day.isoformat(), "end": day.isoformat()}
        with uow:
            if insert_once(
                uow, ReconciliationRun, {"day": day, "group": group, "computed_at": now, "result": stored}
            ):
                made += 1
            uow.commit()
    return made


def nightly_runs(uow: UnitOfWork, *, principal: Principal, group: str, limit: int) -> list[dict[str, Any]]:
    from services.parking.models import ReconciliationRun

    require_reader(principal)
    with uow:
        rows = session_of(uow).scalars(
            select(ReconciliationRun)
            .where(ReconciliationRun.group == group)
            .order_by(ReconciliationRun.day.desc())
            .limit(limit)
        )
        out = []
        for run in rows:
            result = dict(run.result)
            result["start"], result["end"] = (
                date.fromisoformat(result["start"]),
                date.fromisoformat(result["end"]),
            )
            out.append({"day": run.day, "group": run.group, "computed_at": run.computed_at, "result": result})
        return out

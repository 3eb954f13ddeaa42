"""Reconciliation: the acquirer's settlement report for a day against the payments our ledger recorded.

Each line of the report and each of our QRIS / VA payments is matched at most once, ever (unique
constraints on both sides), so running a day again — the daily job, then finance on demand — matches
nothing twice. What does not pair opens one task for finance per difference:
  missing_at_bank   we recorded the payment, the acquirer's report of that day does not have it
  missing_here      the acquirer settled a payment we never recorded (a lost notification the poll missed)
  amount_mismatch   the same reference with another amount
The newly matched lines are posted as one settlement transaction (bank net + MDR fee = clearing gross).
Counter payments are not the acquirer's: they are not in its report and not reconciled here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from gateway.db import UnitOfWork, new_id, session_of
from gateway.kernel import clock, counters
from services.payments import ledger, metrics, settings, snap
from services.payments import models as m
from services.payments.adapters.acquirer import AcquirerError
from services.payments.errors import SettlementReportInvalid, SettlementReportUnavailable

COLUMNS = (
    "settlement_date",
    "reference_no",
    "partner_reference_no",
    "paid_time",
    "amount",
    "mdr_fee",
    "net_amount",
)
ACQUIRER_CHANNELS = ("qris", "va")
KINDS = ("missing_at_bank", "missing_here", "amount_mismatch")
CHUNK = 500


@dataclass(frozen=True)
class Line:
    reference_no: str
    partner_reference_no: str
    paid_time: datetime | None
    amount: int
    fee: int
    net: int


# ---- the acquirer's report ----------------------------------------------------------------------


def fetch_report(day: date) -> str:
    """The day's report: from PAYMENTS_SETTLEMENT_DIR when set (the bank's drop), else the report API."""
    directory = settings.get("PAYMENTS_SETTLEMENT_DIR")
    if directory:
        path = Path(directory) / f"settlement-{day.isoformat()}.csv"
        if not path.is_file():
            raise SettlementReportUnavailable(f"No settlement report for {day} in the settlement directory")
        return path.read_text(encoding="utf-8")
    try:
        return settings.acquirer().settlement_report(day=day)
    except AcquirerError as err:
        raise SettlementReportUnavailable(f"The acquirer's settlement report for {day}: {err}") from err


def parse_report(text: str, day: date) -> list[Line]:
    """The report's lines of `day`; a missing column, a bad number or a repeated reference refuses all."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SettlementReportInvalid(f"The settlement report lacks the columns {', '.join(missing)}")
    lines: dict[str, Line] = {}
    for number, row in enumerate(reader, start=2):
        try:
            if date.fromisoformat(row["settlement_date"]) != day:
                continue
            line = Line(
                reference_no=row["reference_no"].strip(),
                partner_reference_no=row["partner_reference_no"].strip(),
                paid_time=snap.parse_timestamp(row["paid_time"]),
                amount=int(row["amount"]),
                fee=int(row["mdr_fee"]),
                net=int(row["net_amount"]),
            )
        except (ValueError, TypeError, AttributeError) as err:
            raise SettlementReportInvalid(f"Settlement report line {number}: {err}") from err
        if not 0 < len(line.reference_no) <= 64 or line.amount <= 0 or line.fee < 0:
            raise SettlementReportInvalid(
                f"Settlement report line {number}: reference or amounts out of range"
            )
        if line.net != line.amount - line.fee or line.reference_no in lines:
            raise SettlementReportInvalid(f"Settlement report line {number}: net ≠ amount − fee, or a repeat")
        lines[line.reference_no] = line
    return list(lines.values())


# ---- one run --------------------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The city's calendar day as an aware [start, end) range."""
    start = datetime.combine(day, time(0), tzinfo=clock.local_tz())
    return start, start + timedelta(days=1)


def _import(session: Session, lines: list[Line], day: date) -> None:
    """Store the lines not stored before (a report fetched twice is imported once)."""
    known = set(
        session.scalars(select(m.SettlementLine.reference_no).where(m.SettlementLine.settlement_date == day))
    )
    fresh = [line for line in lines if line.reference_no not in known]
    for part in _chunks([line.reference_no for line in fresh]):  # reported on another date already
        known |= set(
            session.scalars(
                select(m.SettlementLine.reference_no).where(m.SettlementLine.reference_no.in_(part))
            )
        )
    rows = [
        {"id": new_id(), "settlement_date": day, "reference_no": line.reference_no,
         "partner_reference_no": line.partner_reference_no, "paid_time": line.paid_time,
         "amount": line.amount, "fee": line.fee, "net": line.net, "imported_at": clock.now()}
        for line in fresh if line.reference_no not in known
    ]  # fmt: skip
    if rows:
        session.execute(insert(m.SettlementLine), rows)


def _ours(session: Session, day: date, extra_refs: list[str]) -> dict[str, Any]:
    """Our acquirer payments of the day (and any named by the report), by the acquirer's reference."""
    start, end = day_bounds(day)
    cols = (m.Payment.id, m.Payment.reference, m.Payment.amount, m.Invoice.billing_code)
    base = (
        select(*cols)
        .join(m.Invoice, m.Invoice.id == m.Payment.invoice_id)
        .where(m.Payment.channel.in_(ACQUIRER_CHANNELS))
    )
    found = {
        r.reference: r
        for r in session.execute(base.where(m.Payment.paid_at >= start, m.Payment.paid_at < end))
    }
    for part in _chunks([r for r in extra_refs if r not in found]):
        found |= {r.reference: r for r in session.execute(base.where(m.Payment.reference.in_(part)))}
    return found


def _matched_payments(session: Session, day: date, ours: dict[str, Any]) -> set[str]:
    start, end = day_bounds(day)
    done = set(
        session.scalars(
            select(m.ReconciliationMatch.payment_id)
            .join(m.Payment, m.Payment.id == m.ReconciliationMatch.payment_id)
            .where(m.Payment.paid_at >= start, m.Payment.paid_at < end)
        )
    )
    others = [p.id for p in ours.values() if p.id not in done]
    for part in _chunks(others):
        done |= set(
            session.scalars(
                select(m.ReconciliationMatch.payment_id).where(m.ReconciliationMatch.payment_id.in_(part))
            )
        )
    return done


def _task(kind: str, day: date, run_id: str, *, line: Any = None, payment: Any = None) -> dict[str, Any]:
    subject = line.id if line is not None else payment.id
    return {
        "id": new_id(), "key": f"{kind}:{subject}", "business_date": day, "kind": kind, "run_id": run_id,
        "payment_id": payment.id if payment is not None else None, "line_id": line.id if line is not None else None,
        "reference": line.reference_no if line is not None else payment.reference,
        "billing_code": payment.billing_code if payment is not None else line.partner_reference_no,
        "our_amount": payment.amount if payment is not None else None,
        "bank_amount": line.amount if line is not None else None,
        "state": "open", "opened_at": clock.now(),
    }  # fmt: skip


def _pair(session: Session, day: date, run_id: str) -> tuple[list[dict], list[dict], list[Any]]:
    """Pair the day's unmatched report lines with our unmatched payments: (matches, tasks, lines matched)."""
    lines = session.execute(
        select(m.SettlementLine.id, m.SettlementLine.reference_no, m.SettlementLine.partner_reference_no,
               m.SettlementLine.amount, m.SettlementLine.fee, m.SettlementLine.net)
        .where(m.SettlementLine.settlement_date == day)
    ).all()  # fmt: skip
    done_lines = set(
        session.scalars(
            select(m.ReconciliationMatch.line_id).where(m.ReconciliationMatch.business_date == day)
        )
    )
    open_lines = [line for line in lines if line.id not in done_lines]
    ours = _ours(session, day, [line.reference_no for line in open_lines])
    done_payments = _matched_payments(session, day, ours)
    matches, tasks, paired = [], [], []
    for line in open_lines:
        payment = ours.get(line.reference_no)
        if payment is None or payment.id in done_payments:
            tasks.append(_task("missing_here", day, run_id, line=line))
        elif payment.amount != line.amount:
            tasks.append(_task("amount_mismatch", day, run_id, line=line, payment=payment))
        else:
            done_payments.add(payment.id)
            paired.append(line)
            matches.append(
                {"id": new_id(), "payment_id": payment.id, "line_id": line.id, "run_id": run_id,
                 "business_date": day, "amount": line.amount}
            )  # fmt: skip
    reported = {line.reference_no for line in lines}
    for payment in ours.values():
        if payment.id not in done_payments and payment.reference not in reported:
            tasks.append(_task("missing_at_bank", day, run_id, payment=payment))
    return matches, tasks, paired


def _open_tasks(session: Session, tasks: list[dict]) -> None:
    """Open the tasks not opened before (one per difference, whatever the number of runs)."""
    keys = [t["key"] for t in tasks]
    known: set[str] = set()
    for part in _chunks(keys):
        known |= set(
            session.scalars(select(m.ReconciliationTask.key).where(m.ReconciliationTask.key.in_(part)))
        )
    rows = [t for t in tasks if t["key"] not in known]
    if rows:
        session.execute(insert(m.ReconciliationTask), rows)


def _close_matched(session: Session, matches: list[dict], run_id: str) -> None:
    """A difference that a later report or a late notification paired is resolved by that match."""
    payments = {x["payment_id"] for x in matches}
    lines = {x["line_id"] for x in matches}
    stale = [
        t.id
        for t in session.execute(
            select(
                m.ReconciliationTask.id, m.ReconciliationTask.payment_id, m.ReconciliationTask.line_id
            ).where(m.ReconciliationTask.state == "open")
        )
        if t.payment_id in payments or t.line_id in lines
    ]
    for part in _chunks(stale):
        session.execute(
            update(m.ReconciliationTask)
            .where(m.ReconciliationTask.id.in_(part), m.ReconciliationTask.state == "open")
            .values(state="resolved", resolved_at=clock.now(), resolved_by="reconciliation",
                    resolution=f"matched by reconciliation run {run_id}")
        )  # fmt: skip


def _settle(uow: UnitOfWork, day: date, run_id: str, paired: list[Any]) -> str | None:
    if not paired:
        return None
    gross = sum(line.amount for line in paired)
    fee = sum(line.fee for line in paired)
    net = sum(line.net for line in paired)
    transaction = ledger.post(
        uow, kind=ledger.SETTLEMENT, source_id=run_id, booked_on=day,
        memo=f"settlement {day.isoformat()}: {len(paired)} payments",
        lines=[(ledger.BANK, net), (ledger.MDR_FEES, fee), (ledger.ACQUIRER_CLEARING, -gross)],
    )  # fmt: skip
    return transaction.id


def figures(session: Session, day: date) -> dict[str, int]:
    """The day's matches and open differences by kind (what the report and the gauges show)."""
    matched, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(m.ReconciliationMatch.amount), 0)).where(
            m.ReconciliationMatch.business_date == day
        )
    ).one()
    open_by_kind = dict(
        session.execute(
            select(m.ReconciliationTask.kind, func.count())
            .where(m.ReconciliationTask.business_date == day, m.ReconciliationTask.state == "open")
            .group_by(m.ReconciliationTask.kind)
        ).all()
    )
    return {"matched": int(matched), "matched_amount": int(amount)} | {
        k: int(open_by_kind.get(k, 0)) for k in KINDS
    }


def run(uow: UnitOfWork, *, day: date, trigger: str, requested_by: str | None = None) -> m.Reconciliation:
    """Reconcile one business day now (fetches the report first, outside the transaction)."""
    lines = parse_report(fetch_report(day), day)
    with uow:
        session = session_of(uow)
        counters.next_value(uow, "payments", f"reconcile:{day.isoformat()}")  # one run of a day at a time
        run_id = new_id()
        _import(session, lines, day)
        matches, tasks, paired = _pair(session, day, run_id)
        if matches:
            session.execute(insert(m.ReconciliationMatch), matches)
            _close_matched(session, matches, run_id)
        _open_tasks(session, tasks)
        row = m.Reconciliation(
            id=run_id, business_date=day, trigger=trigger, requested_by=requested_by, started_at=clock.now(),
            report_lines=len(lines), newly_matched=len(matches),
            ledger_transaction_id=_settle(uow, day, run_id, paired), **figures(session, day),
        )  # fmt: skip
        session.add(row)
        uow.commit()
    metrics.publish(row, open_tasks=open_task_count(uow))
    return row


def open_task_count(uow: UnitOfWork) -> int:
    with uow:
        return int(
            session_of(uow).scalar(
                select(func.count())
                .select_from(m.ReconciliationTask)
                .where(m.ReconciliationTask.state == "open")
            )
            or 0
        )


def latest_run(session: Session, day: date) -> m.Reconciliation | None:
    return session.scalar(
        select(m.Reconciliation)
        .where(m.Reconciliation.business_date == day)
        .order_by(m.Reconciliation.started_at.desc(), m.Reconciliation.id)
        .limit(1)
    )


def daily(uow: UnitOfWork) -> m.Reconciliation | None:
    """Yesterday (the city's), once: the hourly job runs it after local midnight, when the report is in."""
    day = clock.local_today() - timedelta(days=1)
    with uow:
        done = session_of(uow).scalar(
            select(m.Reconciliation.id).where(
                m.Reconciliation.business_date == day, m.Reconciliation.trigger == "daily"
            )
        )
    if done:
        return None
    return run(uow, day=day, trigger="daily")


def rows_for_csv(session: Session, day: date) -> Iterable[list[Any]]:
    """Every item of the day: the matches, then the differences (open and resolved)."""
    yield ["status", "reference_no", "billing_code", "our_amount", "bank_amount", "task_id", "task_state"]
    matched = session.execute(
        select(
            m.SettlementLine.reference_no, m.Invoice.billing_code, m.Payment.amount, m.SettlementLine.amount
        )
        .select_from(m.ReconciliationMatch)
        .join(m.SettlementLine, m.SettlementLine.id == m.ReconciliationMatch.line_id)
        .join(m.Payment, m.Payment.id == m.ReconciliationMatch.payment_id)
        .join(m.Invoice, m.Invoice.id == m.Payment.invoice_id)
        .where(m.ReconciliationMatch.business_date == day)
        .order_by(m.SettlementLine.reference_no)
    )
    for reference, code, ours, theirs in matched:
        yield ["matched", reference, code, ours, theirs, "", ""]
    tasks = session.scalars(
        select(m.ReconciliationTask)
        .where(m.ReconciliationTask.business_date == day)
        .order_by(m.ReconciliationTask.kind, m.ReconciliationTask.reference)
    )
    for t in tasks:
        yield [t.kind, t.reference, t.billing_code or "", t.our_amount, t.bank_amount, t.id, t.state]

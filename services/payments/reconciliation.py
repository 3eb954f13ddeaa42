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
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, exists, func, insert, or_, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, aliased

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
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise SettlementReportInvalid(f"The settlement report lacks the columns {', '.join(missing)}")
    at = {c: header.index(c) for c in COLUMNS}
    wanted = day.isoformat()
    lines: dict[str, Line] = {}
    for number, row in enumerate(filter(None, reader), start=2):  # blank lines skipped, as DictReader does
        try:
            on = row[at["settlement_date"]]
            if on != wanted and date.fromisoformat(on) != day:
                continue
            line = Line(
                reference_no=row[at["reference_no"]].strip(),
                partner_reference_no=row[at["partner_reference_no"]].strip(),
                paid_time=snap.parse_timestamp(row[at["paid_time"]]),
                amount=int(row[at["amount"]]),
                fee=int(row[at["mdr_fee"]]),
                net=int(row[at["net_amount"]]),
            )
        except (ValueError, TypeError, AttributeError, IndexError) as err:
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
# The pairing is set-based: the report goes into its table in bulk (COPY on PostgreSQL), then one query
# pairs the day's open lines with our payments (join on the acquirer's reference, anti-joins for what is
# already matched, the amount compared in the same query) and one finds ours the report lacks; the
# results go back in bulk. Nothing of the day is read into Python but the outcomes of this run.

LINE_COLUMNS = (
    "id", "settlement_date", "reference_no", "partner_reference_no", "paid_time", "amount", "fee", "net",
    "imported_at",
)  # fmt: skip


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The city's calendar day as an aware [start, end) range."""
    start = datetime.combine(day, time(0), tzinfo=clock.local_tz())
    return start, start + timedelta(days=1)


def _copy(session: Session, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """PostgreSQL's COPY … FROM STDIN on the unit of work's own connection (same transaction)."""
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_lines(session: Session, rows: list[tuple]) -> None:
    """PostgreSQL: COPY into a scratch table, then one INSERT … SELECT that skips references known."""
    columns = ", ".join(LINE_COLUMNS)
    session.execute(
        text("CREATE TEMP TABLE payments_settlement_import (LIKE payments_settlement_line) ON COMMIT DROP")
    )
    _copy(session, "payments_settlement_import", LINE_COLUMNS, rows)
    session.execute(
        text(
            f"INSERT INTO payments_settlement_line ({columns}) SELECT {columns} "
            "FROM payments_settlement_import ON CONFLICT (reference_no) DO NOTHING"
        )
    )
    session.execute(text("DROP TABLE payments_settlement_import"))
    session.execute(text("ANALYZE payments_settlement_line"))  # fresh statistics for the pairing's plan


def _import(uow: UnitOfWork, lines: list[Line], day: date) -> None:
    """Store the lines not stored before, of this date or another (a report fetched twice is imported once)."""
    session = session_of(uow)
    known = set(
        session.scalars(select(m.SettlementLine.reference_no).where(m.SettlementLine.settlement_date == day))
    )
    now = clock.now()
    rows = [
        (new_id(), day, line.reference_no, line.partner_reference_no,
         line.paid_time.astimezone(UTC) if line.paid_time else None, line.amount, line.fee, line.net, now)
        for line in lines if line.reference_no not in known
    ]  # fmt: skip
    if not rows:
        return
    if uow.is_postgres:
        _copy_lines(session, rows)
    else:
        stmt = sqlite.insert(m.SettlementLine.__table__).on_conflict_do_nothing()
        session.execute(stmt, [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows])


def _insert_matches(uow: UnitOfWork, matches: list[dict]) -> None:
    if uow.is_postgres:
        columns = ("id", "payment_id", "line_id", "run_id", "business_date", "amount")
        _copy(
            session_of(uow),
            "payments_reconciliation_match",
            columns,
            [tuple(x[c] for c in columns) for x in matches],
        )
    else:
        session_of(uow).execute(insert(m.ReconciliationMatch.__table__), matches)


def _line_outcomes(session: Session, day: date) -> list[Any]:
    """The day's lines not matched yet, each with our payment of its reference and what the pair is."""
    line, payment, invoice = m.SettlementLine, m.Payment, m.Invoice
    line_done, payment_done = aliased(m.ReconciliationMatch), aliased(m.ReconciliationMatch)
    outcome = case(
        (or_(payment.id.is_(None), payment_done.id.is_not(None)), "missing_here"),
        (payment.amount != line.amount, "amount_mismatch"),
        else_="matched",
    )
    query = (
        select(line.id, line.reference_no, line.partner_reference_no, line.amount, line.fee, line.net,
               payment.id.label("payment_id"), payment.reference, payment.amount.label("our_amount"),
               invoice.billing_code, outcome.label("outcome"))
        .select_from(line)
        .outerjoin(payment, and_(payment.reference == line.reference_no, payment.channel.in_(ACQUIRER_CHANNELS)))
        .outerjoin(invoice, invoice.id == payment.invoice_id)
        .outerjoin(payment_done, payment_done.payment_id == payment.id)
        .where(line.settlement_date == day, ~exists().where(line_done.line_id == line.id))
    )  # fmt: skip
    seen: set[str] = set()
    rows = []
    for row in session.execute(query):  # a reference used on both channels pairs with one of them
        if row.id not in seen:
            seen.add(row.id)
            rows.append(row)
    return rows


def _missing_at_bank(session: Session, day: date) -> list[Any]:
    """Our acquirer payments of the day, not matched, whose reference the day's report does not have."""
    start, end = day_bounds(day)
    payment, line = m.Payment, m.SettlementLine
    return session.execute(
        select(payment.id.label("payment_id"), payment.reference, payment.amount.label("our_amount"),
               m.Invoice.billing_code)
        .join(m.Invoice, m.Invoice.id == payment.invoice_id)
        .where(
            payment.channel.in_(ACQUIRER_CHANNELS), payment.paid_at >= start, payment.paid_at < end,
            ~exists().where(m.ReconciliationMatch.payment_id == payment.id),
            ~exists().where(line.settlement_date == day, line.reference_no == payment.reference),
        )
    ).all()  # fmt: skip


def _task(kind: str, day: date, run_id: str, *, line: Any = None, payment: Any = None) -> dict[str, Any]:
    """`line` a row of _line_outcomes, `payment` one of _missing_at_bank or the same row (payment_id, our_amount)."""
    subject = line.id if line is not None else payment.payment_id
    return {
        "id": new_id(), "key": f"{kind}:{subject}", "business_date": day, "kind": kind, "run_id": run_id,
        "payment_id": payment.payment_id if payment is not None else None,
        "line_id": line.id if line is not None else None,
        "reference": line.reference_no if line is not None else payment.reference,
        "billing_code": payment.billing_code if payment is not None else line.partner_reference_no,
        "our_amount": payment.our_amount if payment is not None else None,
        "bank_amount": line.amount if line is not None else None,
        "state": "open", "opened_at": clock.now(),
    }  # fmt: skip


def _pair(session: Session, day: date, run_id: str) -> tuple[list[dict], list[dict], list[Any]]:
    """Pair the day's unmatched report lines with our unmatched payments: (matches, tasks, lines matched)."""
    matches, tasks, paired = [], [], []
    for row in _line_outcomes(session, day):
        if row.outcome == "missing_here":
            tasks.append(_task("missing_here", day, run_id, line=row))
        elif row.outcome == "amount_mismatch":
            tasks.append(_task("amount_mismatch", day, run_id, line=row, payment=row))
        else:
            paired.append(row)
            matches.append(
                {"id": new_id(), "payment_id": row.payment_id, "line_id": row.id, "run_id": run_id,
                 "business_date": day, "amount": row.amount}
            )  # fmt: skip
    tasks += [_task("missing_at_bank", day, run_id, payment=p) for p in _missing_at_bank(session, day)]
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
        session.execute(insert(m.ReconciliationTask.__table__), rows)


def _close_matched(session: Session, run_id: str) -> None:
    """A difference that a later report or a late notification paired is resolved by that match."""
    match = m.ReconciliationMatch
    task = m.ReconciliationTask
    session.execute(
        update(task)
        .where(
            task.state == "open",
            or_(
                task.payment_id.in_(select(match.payment_id).where(match.run_id == run_id)),
                task.line_id.in_(select(match.line_id).where(match.run_id == run_id)),
            ),
        )
        .values(state="resolved", resolved_at=clock.now(), resolved_by="reconciliation",
                resolution=f"matched by reconciliation run {run_id}")
        .execution_options(synchronize_session=False)
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
        _import(uow, lines, day)
        matches, tasks, paired = _pair(session, day, run_id)
        if matches:
            _insert_matches(uow, matches)
            _close_matched(session, run_id)
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

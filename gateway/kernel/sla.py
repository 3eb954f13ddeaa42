"""The working-day SLA clock: deadlines in working days or hours on the city's calendar, pause and
resume, and the reminder/escalation ladder a periodic sweep walks (each step marked once).

Working time is 08:00–16:00 local time on working days (Indonesian public holidays from the `holidays`
package plus the city's own calendar table, gateway.workdays). A deadline in days falls at 16:00 of the
n-th working day after the start; a deadline in hours counts only working hours.

Pausing (e.g. OSS status codes 41–44: waiting for the applicant) stops the clock: ``resume()`` moves the
deadline by the working time that passed while paused, so a pause over a weekend costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from gateway.db import UnitOfWork, insert_once
from gateway.kernel import clock
from gateway.workdays import WorkCalendar

DAY_STARTS = time(8, 0)
DAY_ENDS = time(16, 0)


class SlaClock:
    """Deadlines on one loaded calendar (load it once per use case: no further queries)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar

    @classmethod
    def load(cls, uow: UnitOfWork) -> SlaClock:
        return cls(WorkCalendar.load(uow))

    # ---- deadlines --------------------------------------------------------------------------------

    def due_in_days(self, start: datetime, days: int) -> datetime:
        """16:00 local on the `days`-th working day after `start`, in UTC."""
        return self.calendar.deadline(start, days)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after `start`'s local date up to and including `end`'s (a reopening window)."""
        return self.calendar.workdays_between(clock.local(start).date(), clock.local(end).date())

    def due_in_hours(self, start: datetime, hours: float) -> datetime:
        """`hours` of working time after `start` (working hours only), in UTC."""
        return self.add_working_time(start, timedelta(hours=hours))

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of working time has passed after `start`."""
        remaining = amount
        for opens, closes in self._working_spans(start):
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable: the calendar has working days in every year")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two moments (zero if end <= start)."""
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._working_spans(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total

    # ---- pause and resume -------------------------------------------------------------------------

    def resume(self, due: datetime, *, paused_at: datetime, resumed_at: datetime) -> datetime:
        """The deadline after a pause: moved by the working time that passed while it was paused."""
        return self.add_working_time(due, self.working_time_between(paused_at, resumed_at))

    # ---- helpers ------------------------------------------------------------------------------------

    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, clock.local_tz()).astimezone(UTC)

    def _working_spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Each working day's open span from `start` on, as (opens, closes) in UTC."""
        day = clock.local(start).date()
        while True:
            if self.calendar.is_workday(day):
                opens, closes = self._at(day, DAY_STARTS), self._at(day, DAY_ENDS)
                if closes > start:
                    yield max(opens, start), closes
            day += timedelta(days=1)


@dataclass(frozen=True)
class Ladder:
    """Reminder before a deadline, then escalation steps some working days after it.

    ``steps_due(now, due)`` names the steps that are due at `now` ("reminder", or the names of the
    escalation steps reached); a sweep marks each with ``mark_once`` and acts only when the mark is new.
    """

    remind_before: timedelta
    escalations: tuple[tuple[str, int], ...]  # (step name, working days after the deadline)

    def steps_due(self, sla: SlaClock, *, now: datetime, due: datetime) -> list[str]:
        if now < due:
            return ["reminder"] if now >= due - self.remind_before else []
        return [name for name, after in self.escalations if after == 0 or now >= sla.due_in_days(due, after)]

    def horizon(self, now: datetime) -> datetime:
        """Deadlines up to this moment need a look from the sweep (the reminder comes before them)."""
        return now + self.remind_before


def mark_once(uow: UnitOfWork, model: Any, values: dict[str, Any]) -> bool:
    """Claim a reminder/escalation step in a service's marks table (unique on subject + step): True if
    the mark is new, so each step happens once even when two sweeps overlap."""
    return insert_once(uow, model, values)

"""Working days: Indonesian public holidays (holidays package) plus the city's own calendar table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
from sqlalchemy import Boolean, Date, String, select
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UnitOfWork
from gateway.kernel import clock


class CityCalendarDay(Base):
    """A day the city declares off (cuti bersama, local holiday) or, with is_workday, a worked weekend."""

    __tablename__ = "city_calendar_day"
    __table_args__ = {"info": {"reference": True}}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    is_workday: Mapped[bool] = mapped_column(Boolean, default=False)


@lru_cache(maxsize=16)
def _national(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


class WorkCalendar:
    """Loaded once per use case; answers is_workday / add_workdays without further queries."""

    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self.overrides = overrides or {}

    @classmethod
    def load(cls, uow: UnitOfWork) -> WorkCalendar:
        assert uow.session is not None
        rows = uow.session.execute(select(CityCalendarDay.day, CityCalendarDay.is_workday))
        return cls({day: workday for day, workday in rows})

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5 and day not in _national(day.year)

    def add_workdays(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def deadline(self, start: datetime, days: int) -> datetime:
        """End of the working day (16:00 local time) `days` working days after `start`, in UTC."""
        end = self.add_workdays(clock.local(start).date(), days)
        return datetime.combine(end, time(16, 0), clock.local_tz()).astimezone(UTC)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

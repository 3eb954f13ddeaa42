"""Working days skip weekends, national holidays and the city's own days off."""

from datetime import UTC, date, datetime

from gateway.workdays import WorkCalendar


def test_weekends_and_national_holidays_are_skipped():
    cal = WorkCalendar()
    # Friday 2026-12-24 + 1 working day: 25 Dec is Christmas, 26-27 weekend → Monday 28 Dec
    assert cal.add_workdays(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert not cal.is_workday(date(2026, 8, 17))  # Independence Day


def test_city_calendar_overrides_both_ways():
    cal = WorkCalendar({date(2026, 11, 25): False, date(2026, 11, 28): True})
    assert cal.add_workdays(date(2026, 11, 24), 1) == date(2026, 11, 26)
    assert cal.add_workdays(date(2026, 11, 27), 1) == date(2026, 11, 28)  # a worked Saturday


def test_deadline_is_end_of_working_day_in_jakarta():
    cal = WorkCalendar()
    due = cal.deadline(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), 3)  # Tue 03:00 WIB → +3 wd = Fri
    assert due == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

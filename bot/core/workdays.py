"""Workdays: weekends and public holidays off, make-up workdays (调休) on.

The calendar data comes in as plain values (built from a holiday library outside the core).
A year the data does not cover falls back to weekends only; the caller decides how to warn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class YearCalendar:
    """One country's days off and make-up workdays for one year."""

    year: int
    holidays: frozenset[date] = frozenset()
    make_up_workdays: frozenset[date] = frozenset()
    covered: bool = True


def is_workday(
    day: date, calendar: YearCalendar, company_days_off: frozenset[date] = frozenset()
) -> bool:
    """True when people work on `day` under this calendar and the company's extra days off."""
    if day in company_days_off:
        return False
    if not calendar.covered:
        return day.weekday() not in (SATURDAY, SUNDAY)
    if day in calendar.make_up_workdays:
        return True
    if day in calendar.holidays:
        return False
    return day.weekday() not in (SATURDAY, SUNDAY)

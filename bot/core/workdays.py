"""Workdays: weekends and public holidays off, make-up workdays (调休) on.

The calendar data comes in as plain values (built from a holiday library outside the core).
A year the data does not cover falls back to weekends only; the caller decides how to warn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

SATURDAY, SUNDAY = 5, 6
MAX_GAP_DAYS = 31  # longer than any run of days off


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


def answers_post(post_day: date, said_on: date, workday: Callable[[date], bool]) -> bool:
    """Whether a message said on `said_on` can answer a daily post of `post_day`.

    On platforms without threads a message is attached to the channel's latest post: it
    counts on the post's own day and until the end of the next workday (a weekend or holiday
    in between does not close it). Anything older is not guessed at.
    """
    if said_on < post_day or (said_on - post_day).days > MAX_GAP_DAYS:
        return False
    day = post_day + timedelta(days=1)
    while day < said_on:
        if workday(day):
            return False
        day += timedelta(days=1)
    return True

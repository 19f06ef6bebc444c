"""Workdays: weekends and public holidays off, make-up workdays (调休) on.

The calendar data comes in as plain values (built from a holiday library outside the core).
For a year whose official schedule is not known yet (`covered=False`), the statutory holidays
the data does know are still days off, and weekends too; make-up workdays are then only the
company's own. The caller decides how to warn.
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
    day: date,
    calendar: YearCalendar,
    company_days_off: frozenset[date] = frozenset(),
    company_workdays: frozenset[date] = frozenset(),
) -> bool:
    """True when people work on `day` under this calendar and the company's own days off and
    make-up workdays (a company day off wins over everything)."""
    return why(day, calendar, company_days_off, company_workdays) in WORKING


WORKING = ("workday", "make_up_workday", "company_workday")


def why(
    day: date,
    calendar: YearCalendar,
    company_days_off: frozenset[date] = frozenset(),
    company_workdays: frozenset[date] = frozenset(),
) -> str:
    """The reason `day` is worked or not: one of WORKING, or company_day_off, holiday, weekend."""
    if day in company_days_off:
        return "company_day_off"
    if day in company_workdays:
        return "company_workday"
    if day in calendar.make_up_workdays:
        return "make_up_workday"
    if day in calendar.holidays:
        return "holiday"
    return "weekend" if day.weekday() in (SATURDAY, SUNDAY) else "workday"


def days_to_check(calendar: YearCalendar) -> list[date]:
    """For a year whose official schedule is not out: weekend days within a week of a holiday,
    which are often declared make-up workdays (调休), and weekdays between a holiday and a
    weekend, often declared extra days off. An admin should check each one."""
    if calendar.covered:
        return []
    found: set[date] = set()
    for holiday in calendar.holidays:
        for offset in range(-7, 8):
            day = holiday + timedelta(days=offset)
            if day.year != calendar.year or day in calendar.holidays:
                continue
            weekend = day.weekday() in (SATURDAY, SUNDAY)
            if weekend or abs(offset) == 1 and _bridges(day, calendar.holidays):
                found.add(day)
    return sorted(found)


def _bridges(day: date, holidays: frozenset[date]) -> bool:
    """A weekday with a holiday on one side and a weekend on the other."""
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    sides = [d in holidays or d.weekday() in (SATURDAY, SUNDAY) for d in (before, after)]
    return all(sides)


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

"""Appraisal cycles: calendar quarters by default (`2026Q4`), plus named cycles with dates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_NAME = re.compile(r"^[^\W_][\w.\-]{0,39}$")  # letters of any script (2026下半年), digits, . _ -


@dataclass(frozen=True)
class Cycle:
    id: str
    starts_on: date
    ends_on: date

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class CycleError(ValueError):
    """A cycle that cannot exist; `key` names the message template."""

    def __init__(self, key: str, **context: str) -> None:
        super().__init__(key)
        self.key = key
        self.context = context


def quarter_of(day: date) -> Cycle:
    q = (day.month - 1) // 3 + 1
    return quarter(day.year, q)


def quarter(year: int, q: int) -> Cycle:
    start = date(year, 3 * q - 2, 1)
    next_start = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Cycle(f"{year}Q{q}", start, next_start - timedelta(days=1))


def resolve_cycle(cycle_id: str, named: Iterable[Cycle]) -> Cycle | None:
    """A quarter id like `2026Q4`, or one of the named cycles (case-insensitive)."""
    wanted = cycle_id.strip()
    match = _QUARTER.match(wanted.upper())
    if match:
        return quarter(int(match[1]), int(match[2]))
    for cycle in named:
        if cycle.id.casefold() == wanted.casefold():
            return cycle
    return None


def current_cycle(today: date, chosen: Cycle | None = None) -> Cycle:
    """The cycle an admin chose as current while it covers today, else today's quarter.

    A named cycle is never current by merely covering today: a one-day cycle added for an
    event would otherwise take over every summary that day."""
    if chosen is not None and chosen.contains(today):
        return chosen
    return quarter_of(today)


def new_cycle(cycle_id: str, starts_on: date, ends_on: date, existing: Iterable[Cycle]) -> Cycle:
    """Validate a named cycle an admin adds (or edits: `existing` without it)."""
    if _QUARTER.match(cycle_id.upper()):
        raise CycleError("cycle_reserved", cycle=cycle_id)
    if not _NAME.match(cycle_id):
        raise CycleError("cycle_bad_name", cycle=cycle_id)
    if ends_on < starts_on:
        raise CycleError("cycle_bad_dates", cycle=cycle_id)
    if any(c.id.casefold() == cycle_id.casefold() for c in existing):
        raise CycleError("cycle_exists", cycle=cycle_id)
    return Cycle(cycle_id, starts_on, ends_on)


def retention_boundary(today: date, keep_days: int, named: Iterable[Cycle]) -> date:
    """The last day whose evidence may be deleted under a retention of `keep_days`.

    Evidence goes when its cycle closed more than `keep_days` ago: quarters close on their last
    day, and a named cycle that is open (or closed more recently) keeps every day it covers.
    """
    cutoff = today - timedelta(days=keep_days)
    closed = quarter_of(cutoff)
    boundary = closed.ends_on if closed.ends_on <= cutoff else closed.starts_on - timedelta(days=1)
    for cycle in sorted(named, key=lambda c: c.starts_on):
        if cycle.ends_on > cutoff and cycle.starts_on <= boundary:
            boundary = cycle.starts_on - timedelta(days=1)
    return boundary


def editable_until(cycle: Cycle, grace_workdays: int, is_workday: Callable[[date], bool]) -> date:
    """The last day a cycle's evidence may still change: its end plus `grace_workdays` workdays."""
    day, left = cycle.ends_on, grace_workdays
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def closed_cycle_of(
    day: date,
    today: date,
    named: Iterable[Cycle],
    grace_workdays: int,
    is_workday: Callable[[date], bool],
) -> Cycle | None:
    """The closed cycle a case told on `day` belongs to, if any (then its evidence is frozen).

    A case belongs to every cycle covering the day it was told: its quarter, and any named
    cycle. It is frozen once one of them is past its end plus the grace workdays.
    """
    covering = [quarter_of(day), *(c for c in named if c.contains(day))]
    closed = [c for c in covering if editable_until(c, grace_workdays, is_workday) < today]
    return min(closed, key=lambda c: c.ends_on) if closed else None


def previous_cycle(cycle: Cycle, named: Iterable[Cycle]) -> Cycle:
    """The cycle before `cycle`: the named one ending last before it starts, else the quarter
    before its first day."""
    earlier = [c for c in named if c.ends_on < cycle.starts_on]
    if earlier:
        return max(earlier, key=lambda c: c.ends_on)
    return quarter_of(cycle.starts_on - timedelta(days=1))


def weeks_of(per_day: dict[date, int], starts_on: date, ends_on: date) -> list[tuple[date, int]]:
    """Counts per day added up per week (weeks start on Monday), every week of the period."""
    first = starts_on - timedelta(days=starts_on.weekday())
    weeks: dict[date, int] = {}
    monday = first
    while monday <= ends_on:
        weeks[monday] = 0
        monday += timedelta(days=7)
    for day, count in per_day.items():
        if starts_on <= day <= ends_on:
            week = day - timedelta(days=day.weekday())
            weeks[week] = weeks.get(week, 0) + count
    return sorted(weeks.items())

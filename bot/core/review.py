"""A review: the appraisal run on one cycle, its stages, its deadlines and its appeal window.

    self-assessment → manager assessment → calibration → released → closed

Admins move a review on, one stage at a time; nothing goes back. Scores are kept per person,
per value and per kind (self, manager); calibration adjusts the manager's score with a reason;
the final score is the last adjustment, else the manager's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from bot.core.appraisal import Citation, Written


class Stage(StrEnum):
    SELF = "self"
    MANAGER = "manager"
    CALIBRATION = "calibration"
    RELEASED = "released"
    CLOSED = "closed"


STAGES = tuple(Stage)


class Kind(StrEnum):
    """Who wrote an assessment."""

    SELF = "self"
    MANAGER = "manager"


class Answer(StrEnum):
    """A person's answer to a released result, and HR's to an appeal."""

    CONFIRMED = "confirmed"
    APPEALED = "appealed"
    UPHELD = "upheld"
    ADJUSTED = "adjusted"


class ReviewError(ValueError):
    """A review that cannot be opened or moved as asked; `key` names the message template."""

    def __init__(self, key: str, **context: object) -> None:
        super().__init__(key)
        self.key = key
        self.context = context


@dataclass(frozen=True)
class Review:
    id: int
    cycle_id: str
    stage: Stage
    self_due: date
    manager_due: date
    calibration_due: date
    appeal_workdays: int
    guidance: str  # e.g. "A>=24:20,B>=15:70,C>=0:10": bands of totals and their wanted shares
    locked: bool = False  # calibration locked: no more adjustments, ready to release
    released_on: date | None = None

    def due(self) -> date | None:
        """When the open stage's work is due (none after calibration)."""
        return {
            Stage.SELF: self.self_due,
            Stage.MANAGER: self.manager_due,
            Stage.CALIBRATION: self.calibration_due,
        }.get(self.stage)


def check_dates(self_due: date, manager_due: date, calibration_due: date, today: date) -> None:
    if not today <= self_due <= manager_due <= calibration_due:
        raise ReviewError("review_dates_order")


def next_stage(review: Review) -> Stage:
    """The stage after the review's, or why it cannot move on."""
    if review.stage is Stage.CLOSED:
        raise ReviewError("review_already_closed", cycle=review.cycle_id)
    if review.stage is Stage.CALIBRATION and not review.locked:
        raise ReviewError("review_not_locked", cycle=review.cycle_id)
    return STAGES[STAGES.index(review.stage) + 1]


def add_workdays(start: date, count: int, is_workday: Callable[[date], bool]) -> date:
    """The `count`th workday after `start` (start itself not counted)."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def workdays_before(due: date, count: int, is_workday: Callable[[date], bool]) -> date:
    """The day `count` workdays before `due`: when a reminder goes out."""
    day, left = due, count
    while left > 0:
        day -= timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def appeal_open(
    released_on: date | None, today: date, workdays: int, is_workday: Callable[[date], bool]
) -> bool:
    """Whether a person released on `released_on` may still appeal `today` (their calendar)."""
    if released_on is None:
        return False
    return today <= add_workdays(released_on, workdays, is_workday)


class Assessed(NamedTuple):
    """One value's score in an assessment, with the cases it cites (a named tuple: a review of
    20,000 people reads 240,000 of them)."""

    person: str
    kind: Kind
    value_key: str
    score: float
    comment: str
    citations: tuple[Citation, ...]
    by: str


@dataclass(frozen=True)
class Adjustment:
    person: str
    value_key: str
    before: float
    after: float
    reason: str
    by: str
    on_appeal: bool
    at: datetime


@dataclass(frozen=True)
class Nonconforming:
    """A non-conforming case about a person for one level (STAR), by a manager or HR."""

    id: int
    person: str
    cycle_id: str
    value_key: str
    level: int
    case: Written
    by: str
    at: datetime


@dataclass(frozen=True)
class Outcome:
    """A person's answer to their result, and HR's to an appeal."""

    person: str
    answer: Answer
    appeal: str
    answered_at: datetime
    resolution: str = ""
    resolved_by: str = ""

"""Summaries for a scope and a cycle: numbers and lists per person, no formatting.

Storage hands over aggregates (case counts per person and criterion) and the newest cases per
person, so a summary of a whole organisation never loads every story.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import NamedTuple

from bot.core.ceiling import evidence_ceiling
from bot.core.cycles import Cycle
from bot.core.rubric import Rubric, ScoringRule, Value

NEWEST_CASES = 3  # per person, in a summary of many people
EVERY_CASE = 1_000  # per person, in a summary of one: every case of a cycle, paged


class Case(NamedTuple):
    """One stored case as a reader sees it (a named tuple: summaries build tens of thousands)."""

    nominee: str
    nominator: str
    criterion_key: str
    story: str
    nominated_on: date
    link: str = ""
    id: int = 0  # the case's number, written `c123` by the commands that change it


class HiddenCase(NamedTuple):
    """A case set aside from appraisal, as the person it is about reads it."""

    id: int
    nominator: str
    story: str
    nominated_on: date
    reason: str


@dataclass(frozen=True)
class ValueSummary:
    value_key: str
    cases: int
    ceiling: int
    # levels with no case whose rule needs one: they do not hold yet
    levels_without_evidence: tuple[int, ...]
    # levels with no case that hold anyway, unless a non-conforming case is recorded
    levels_holding_unless: tuple[int, ...] = ()


@dataclass(frozen=True)
class PersonSummary:
    person: str
    total: int
    values: tuple[ValueSummary, ...]
    newest: tuple[Case, ...]
    elsewhere: int = 0  # cases about them in channels the reader may not read

    @property
    def more(self) -> int:
        """Cases in the scope not listed (a summary of many people lists the newest)."""
        return max(0, self.total - len(self.newest))


@dataclass(frozen=True)
class Summary:
    cycle: Cycle
    value_key: str | None
    people: tuple[PersonSummary, ...]
    hidden: tuple[HiddenCase, ...] = ()  # `me` only: the reader's own hidden cases
    # who took part in the scope's channels (told a case, or was named in one not counted)
    # but has no counted case in the cycle: the people a manager might overlook
    without_evidence: tuple[str, ...] = ()
    channels: frozenset[str] | None = None  # the reader's channels; None: every channel
    names: Mapping[str, str] = field(default_factory=dict)  # display names known


class Tally:
    """Cases per person and criterion, for the values a summary covers, added row by row.

    Built for an organisation's cycle (200,000 count rows, 20,000 people): one list of counts
    per person, one dict lookup per row, and the rows need not be held in memory.
    """

    def __init__(self, rubric: Rubric, value_key: str | None = None) -> None:
        self.value_key = value_key
        self.values = tuple(v for v in rubric.values if value_key is None or v.key == value_key)
        self.criteria = tuple(c for v in self.values for c in v.criteria)
        self._slot = {c.key: i for i, c in enumerate(self.criteria)}
        self.criteria_keys = frozenset(self._slot)
        self.by_person: dict[str, list[int]] = {}

    def add(self, counts: Iterable[tuple[str, str, int]]) -> Tally:
        """Add (nominee, criterion key, cases) rows; criteria outside the values are skipped."""
        slot, by_person, width = self._slot, self.by_person, len(self.criteria)
        for nominee, criterion_key, cases in counts:
            i = slot.get(criterion_key)
            if i is None:
                continue  # another value's criterion, or one no longer in the rubric
            row = by_person.get(nominee)
            if row is None:
                row = by_person[nominee] = [0] * width
            row[i] += cases
        return self

    @property
    def people(self) -> list[str]:
        return list(self.by_person)


def summarise(
    cycle: Cycle,
    tally: Tally,
    newest: Mapping[str, Sequence[Case]],
    *,
    always_include: Iterable[str] = (),
    names: Mapping[str, str] | None = None,
    per_person: int = NEWEST_CASES,
) -> Summary:
    """Per person: cases per value, evidence ceiling, newest cases, levels still without a case.

    People are in the order of their names (their ids where no name is known), not of how
    many cases they have: a summary is read to be fair to each, not as a ranking. Each distinct
    pattern of level counts of a value is summarised once, however many people share it.
    """
    names = names or {}
    width = len(tally.criteria)
    counts = dict(tally.by_person)
    for person in always_include:
        counts.setdefault(person, [0] * width)
    totals = {person: sum(row) for person, row in counts.items()}
    order = sorted(counts, key=lambda p: (names.get(p, p).casefold(), p))
    rows = [counts[person] for person in order]
    # Value by value over everyone (loops in C): each person's value summaries, in order.
    per_value, first = [], 0
    for value in tally.values:  # each value's criteria sit side by side in a tally row
        per_value.append(_Column(value, first).summaries(rows))
        first += len(value.criteria)
    by_person = list(zip(*per_value, strict=True)) if per_value else [() for _ in order]
    known = tally.criteria_keys
    people = []
    for person, values in zip(order, by_person, strict=True):
        cases = [c for c in newest.get(person, ()) if c.criterion_key in known]
        people.append(
            PersonSummary(
                person=person,
                total=totals[person],
                values=values,
                newest=tuple(cases[:per_person]),
            )
        )
    return Summary(cycle=cycle, value_key=tally.value_key, people=tuple(people), names=names)


class _Column:
    """One value's slice of a tally row, and the summaries of the patterns seen so far."""

    def __init__(self, value: Value, first: int) -> None:
        span = range(first, first + len(value.criteria))
        self.value = value
        self.levels = [c.level for c in value.criteria]
        self.pick: Callable[[Sequence[int]], tuple[int, ...]] = (
            itemgetter(*span) if len(span) > 1 else lambda row: tuple(row[i] for i in span)
        )
        self.seen: dict[tuple[int, ...], ValueSummary] = {}

    def summaries(self, rows: Sequence[Sequence[int]]) -> list[ValueSummary]:
        """Each row's summary of this value; the same level counts are summarised once."""
        patterns = list(map(self.pick, rows))
        seen = self.seen
        for pattern in set(patterns).difference(seen):
            seen[pattern] = _value_summary(self.value, self.levels, pattern)
        return list(map(seen.__getitem__, patterns))


def _value_summary(value: Value, levels: Sequence[int], cases: Sequence[int]) -> ValueSummary:
    by_level: dict[int, int] = {}
    for level, n in zip(levels, cases, strict=True):
        by_level[level] = by_level.get(level, 0) + n
    return ValueSummary(
        value_key=value.key,
        cases=sum(cases),
        ceiling=evidence_ceiling(value, by_level),
        levels_without_evidence=tuple(
            c.level
            for c in value.criteria
            if by_level.get(c.level, 0) == 0 and c.rule is not ScoringRule.UNLESS_NONCONFORMING
        ),
        levels_holding_unless=tuple(
            c.level
            for c in value.criteria
            if by_level.get(c.level, 0) == 0 and c.rule is ScoringRule.UNLESS_NONCONFORMING
        ),
    )

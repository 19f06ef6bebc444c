"""Summaries for a scope and a cycle: numbers and lists per person, no formatting.

Storage hands over aggregates (case counts per person and criterion) and the newest cases per
person, so a summary of a whole organisation never loads every story.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from bot.core.ceiling import evidence_ceiling
from bot.core.cycles import Cycle
from bot.core.rubric import Rubric, Value

NEWEST_CASES = 3


class Case(NamedTuple):
    """One stored case as a reader sees it (a named tuple: summaries build tens of thousands)."""

    nominee: str
    nominator: str
    criterion_key: str
    story: str
    nominated_on: date
    link: str = ""


class CaseCount(NamedTuple):
    nominee: str
    criterion_key: str
    cases: int


@dataclass(frozen=True)
class ValueSummary:
    value_key: str
    cases: int
    ceiling: int
    levels_without_evidence: tuple[int, ...]


@dataclass(frozen=True)
class PersonSummary:
    person: str
    total: int
    values: tuple[ValueSummary, ...]
    newest: tuple[Case, ...]


@dataclass(frozen=True)
class Summary:
    cycle: Cycle
    value_key: str | None
    people: tuple[PersonSummary, ...]


def summarise(
    rubric: Rubric,
    cycle: Cycle,
    counts: Iterable[CaseCount],
    newest: Mapping[str, Sequence[Case]],
    *,
    value_key: str | None = None,
    always_include: Iterable[str] = (),
) -> Summary:
    """Per person: cases per value, evidence ceiling, newest cases, levels still without a case."""
    values = [v for v in rubric.values if value_key is None or v.key == value_key]
    wanted = {v.key for v in values}
    per_person: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in counts:
        criterion = rubric.criterion(row.criterion_key)
        if criterion is None or criterion.value_key not in wanted:
            continue
        levels = per_person[row.nominee][criterion.value_key]
        levels[criterion.level] = levels.get(criterion.level, 0) + row.cases
    for person in always_include:
        per_person.setdefault(person, defaultdict(dict))
    seen: dict[tuple[str, tuple[tuple[int, int], ...]], ValueSummary] = {}
    people = tuple(
        _person(person, values, per_person[person], newest.get(person, ()), wanted, seen)
        for person in sorted(per_person, key=lambda p: (-_total(per_person[p]), p))
    )
    return Summary(cycle=cycle, value_key=value_key, people=people)


def _total(by_value: Mapping[str, Mapping[int, int]]) -> int:
    return sum(sum(levels.values()) for levels in by_value.values())


def _person(
    person: str,
    values: Sequence[Value],
    by_value: Mapping[str, Mapping[int, int]],
    newest: Sequence[Case],
    wanted: set[str],
    seen: dict[tuple[str, tuple[tuple[int, int], ...]], ValueSummary],
) -> PersonSummary:
    summaries = []
    for value in values:
        levels = by_value.get(value.key, {})
        key = (value.key, tuple(sorted(levels.items())))
        found = seen.get(key)  # the same level counts give the same summary: computed once
        if found is None:
            found = seen[key] = ValueSummary(
                value_key=value.key,
                cases=sum(levels.values()),
                ceiling=evidence_ceiling(value, levels),
                levels_without_evidence=tuple(
                    c.level for c in value.criteria if levels.get(c.level, 0) == 0
                ),
            )
        summaries.append(found)
    cases = tuple(c for c in newest if c.criterion_key.split(":", 1)[0] in wanted)[:NEWEST_CASES]
    return PersonSummary(
        person=person, total=_total(by_value), values=tuple(summaries), newest=cases
    )

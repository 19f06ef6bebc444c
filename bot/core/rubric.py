"""The rubric as data: values, their criteria (levels) and scoring rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ScoringRule(StrEnum):
    """How a level is earned (see DESIGN.md, vocabulary)."""

    UNLESS_NONCONFORMING = "unless_nonconforming"
    NEEDS_CONFORMING = "needs_conforming"
    NEEDS_CONFORMING_AND_NO_NONCONFORMING = "needs_conforming_and_no_nonconforming"


@dataclass(frozen=True)
class Criterion:
    """One behaviour level of a value."""

    value_key: str
    level: int
    title_zh: str
    title_en: str
    meaning: str
    conforming: tuple[str, ...]
    nonconforming: tuple[str, ...]
    rule: ScoringRule
    rule_inferred: bool = False
    half_point: str = ""

    @property
    def key(self) -> str:
        return f"{self.value_key}:{self.level}"

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_zh


@dataclass(frozen=True)
class Value:
    """A company value with its ordered criteria."""

    key: str
    name_zh: str
    name_en: str
    motto: str
    intro: str
    criteria: tuple[Criterion, ...]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class Rubric:
    """A company's values, in order."""

    key: str
    name: str
    source: str
    values: tuple[Value, ...]
    _by_key: dict[str, Criterion] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for value in self.values:
            for criterion in value.criteria:
                self._by_key[criterion.key] = criterion

    def criterion(self, key: str) -> Criterion | None:
        return self._by_key.get(key)

    def value(self, key_or_name: str) -> Value | None:
        wanted = key_or_name.strip().casefold()
        for value in self.values:
            if wanted in (value.key.casefold(), value.name_zh.casefold(), value.name_en.casefold()):
                return value
        return None

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for v in self.values for c in v.criteria)

"""The rubric as data: values, their criteria (levels) and scoring rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class ScoringRule(StrEnum):
    """How a level is earned (see DESIGN.md, vocabulary)."""

    UNLESS_NONCONFORMING = "unless_nonconforming"
    NEEDS_CONFORMING = "needs_conforming"
    NEEDS_CONFORMING_AND_NO_NONCONFORMING = "needs_conforming_and_no_nonconforming"


WORDINGS = ("seed", "others")  # the original document, or other companies' published copies


@dataclass(frozen=True)
class Translation:
    """A criterion's English, translated from the Chinese (which stays the source)."""

    meaning: str = ""
    conforming: tuple[str, ...] = ()
    nonconforming: tuple[str, ...] = ()
    half_point: str = ""
    wording_note: str = ""


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
    rule_note: str = ""  # the source's own words for the rule
    wording: str = "seed"  # one of WORDINGS: where the title, meaning and cases come from
    wording_note: str = ""
    en: Translation | None = None

    @property
    def key(self) -> str:
        return f"{self.value_key}:{self.level}"

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_zh

    def translated(self, locale: str) -> bool:
        """Whether this locale reads a translation (the pack's own words are Chinese)."""
        return locale == "en" and self.en is not None

    def meaning_in(self, locale: str) -> str:
        return (
            self.en.meaning
            if self.translated(locale) and self.en and self.en.meaning
            else self.meaning
        )

    def cases_in(self, locale: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(conforming, nonconforming) in the locale, where the pack translates them."""
        if self.en is not None and locale == "en":
            return (
                self.en.conforming or self.conforming,
                self.en.nonconforming or self.nonconforming,
            )
        return self.conforming, self.nonconforming

    def half_point_in(self, locale: str) -> str:
        if self.en is not None and locale == "en" and self.en.half_point:
            return self.en.half_point
        return self.half_point


@dataclass(frozen=True)
class Value:
    """A company value with its ordered criteria."""

    key: str
    name_zh: str
    name_en: str
    motto: str
    intro: str
    criteria: tuple[Criterion, ...]
    motto_en: str = ""  # translations of the Chinese motto and intro
    intro_en: str = ""

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_zh

    def motto_in(self, locale: str) -> str:
        return self.motto_en if locale == "en" and self.motto_en else self.motto

    def intro_in(self, locale: str) -> str:
        return self.intro_en if locale == "en" and self.intro_en else self.intro


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


_LEVEL = re.compile(r"^(.*?)[\s:：]*(?:l|level|第)?\s*([0-5])\s*(?:分|级)?$", re.IGNORECASE)


def find_criterion(rubric: Rubric, text: str) -> Criterion | None:
    """A criterion as people write it: `integrity 3`, `integrity:3`, `诚信 3`, `诚信第3分`,
    `Integrity L3` (a value's key or name in either language, then a level)."""
    match = _LEVEL.match(text.strip())
    if match is None:
        return None
    value = rubric.value(match[1].strip())
    return rubric.criterion(f"{value.key}:{match[2]}") if value else None

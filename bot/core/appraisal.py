"""Scores that follow the rubric (通关制): a score n for a value holds only if levels 1..n all
hold by their rules, each `needs_conforming` level backed by a cited case.

The scale comes from the pack: per value the levels 0..5, and n.5 where the pack has a
half-point note for level n+1 (the seed: "本条通常没有半分…情有可原，才有机会得0.5分").
A citation is a case from the person's evidence, or one the assessor writes in situation /
task / action / result form. Non-conforming cases are recorded per level by managers or HR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.rubric import ScoringRule, Value


@dataclass(frozen=True)
class Written:
    """A case the assessor writes (STAR): every part said, or it is not a case."""

    situation: str
    task: str
    action: str
    result: str

    @property
    def complete(self) -> bool:
        return all(part.strip() for part in (self.situation, self.task, self.action, self.result))


@dataclass(frozen=True)
class Citation:
    """A case an assessment points to for one level: stored evidence (`case_id`) or written."""

    level: int
    case_id: int | None = None
    written: Written | None = None

    @property
    def counts(self) -> bool:
        return self.case_id is not None or (self.written is not None and self.written.complete)


class Needs(StrEnum):
    """What a level lacks for a score to hold; each names a message template."""

    CASE = "appraisal_needs_case"  # a cited conforming case
    NO_NONCONFORMING = "appraisal_has_nonconforming"  # a non-conforming case is recorded
    OFF_SCALE = "appraisal_off_scale"  # not a score the pack allows for this value


@dataclass(frozen=True)
class Lack:
    level: int
    needs: Needs


def scale(value: Value) -> tuple[float, ...]:
    """Every score the pack allows for `value`, lowest first."""
    scores: list[float] = [0.0]
    for criterion in sorted(value.criteria, key=lambda c: c.level):
        if criterion.half_point.strip():
            scores.append(criterion.level - 0.5)
        scores.append(float(criterion.level))
    return tuple(scores)


def lacks(
    value: Value,
    score: float,
    citations: Sequence[Citation],
    nonconforming: Mapping[int, int] | None = None,
) -> list[Lack]:
    """Why `score` does not hold for `value` (empty: it holds). Levels 1..⌊score⌋ must hold;
    a half point n.5 also needs levels 1..n, the half itself being the pack's allowance."""
    if score not in scale(value):
        return [Lack(int(score) + 1 if score > 0 else 0, Needs.OFF_SCALE)]
    against = nonconforming or {}
    cited = {c.level for c in citations if c.counts}
    found = []
    for criterion in sorted(value.criteria, key=lambda c: c.level):
        if criterion.level > score:
            break
        wants_case = criterion.rule is not ScoringRule.UNLESS_NONCONFORMING
        wants_clean = criterion.rule is not ScoringRule.NEEDS_CONFORMING
        if wants_case and criterion.level not in cited:
            found.append(Lack(criterion.level, Needs.CASE))
        if wants_clean and against.get(criterion.level, 0) > 0:
            found.append(Lack(criterion.level, Needs.NO_NONCONFORMING))
    return found


def supported(
    value: Value, citations: Sequence[Citation], nonconforming: Mapping[int, int] | None = None
) -> float:
    """The highest whole score the citations support: the starting point offered."""
    best = 0.0
    for score in scale(value):
        if score == int(score) and not lacks(value, score, citations, nonconforming):
            best = score
        elif score == int(score):
            break
    return best

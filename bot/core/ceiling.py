"""The evidence ceiling (通关制): the highest level n such that levels 1..n all hold.

A hint for the manager, never a score: the bot only records conforming cases, so a level whose
rule is `unless_nonconforming` holds until someone records a non-conforming case elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.rubric import Criterion, ScoringRule, Value


def level_holds(criterion: Criterion, conforming: int, nonconforming: int = 0) -> bool:
    if criterion.rule is ScoringRule.UNLESS_NONCONFORMING:
        return nonconforming == 0
    if criterion.rule is ScoringRule.NEEDS_CONFORMING:
        return conforming > 0
    return conforming > 0 and nonconforming == 0


def evidence_ceiling(
    value: Value,
    conforming_by_level: Mapping[int, int],
    nonconforming_by_level: Mapping[int, int] | None = None,
) -> int:
    """Cumulative: level n+1 counts only once level n holds."""
    against = nonconforming_by_level or {}
    ceiling = 0
    for criterion in sorted(value.criteria, key=lambda c: c.level):
        held = level_holds(
            criterion,
            conforming_by_level.get(criterion.level, 0),
            against.get(criterion.level, 0),
        )
        if not held:
            break
        ceiling = criterion.level
    return ceiling


def ceiling_stop(value: Value, conforming_by_level: Mapping[int, int]) -> Criterion | None:
    """The first level that does not hold (the one that sets the ceiling), or None when every
    level holds."""
    for criterion in sorted(value.criteria, key=lambda c: c.level):
        if not level_holds(criterion, conforming_by_level.get(criterion.level, 0)):
            return criterion
    return None

"""Which criterion a subscription shows next.

The rotation walks the rubric round by round: round r shows level r+1 of every value that has
one, values in rubric order. Consecutive posts therefore show different values (whenever the
rubric has more than one value with that many levels) and each value's levels come in order.
The position is a plain integer cursor persisted per subscription, so a restart resumes exactly.
"""

from __future__ import annotations

from bot.core.rubric import Criterion, Rubric


def rotation_order(rubric: Rubric) -> tuple[Criterion, ...]:
    """Every criterion once, in the order the daily posts show them."""
    depth = max((len(v.criteria) for v in rubric.values), default=0)
    return tuple(v.criteria[r] for r in range(depth) for v in rubric.values if r < len(v.criteria))


def criterion_at(rubric: Rubric, cursor: int) -> Criterion:
    """The criterion shown at rotation position `cursor` (wraps around)."""
    order = rotation_order(rubric)
    if not order:
        raise ValueError("the rubric has no criteria")
    return order[cursor % len(order)]

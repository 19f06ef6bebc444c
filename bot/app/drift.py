"""Whether the stored cases still belong to the configured pack.

Every case remembers the pack (`rubric_key`) and the criterion it was recorded under. When an
operator changes BOT_RUBRIC, or edits a pack so that a criterion disappears, cases would
otherwise silently count under another pack or not at all. So:

- at start, and by `values-bot rubric check --database`, the orphaned criteria are named with
  how many cases each holds, and the bot refuses to start while any remain;
- `values-bot rubric migrate --map OLD=NEW` moves them under a criterion of the pack, audited.

Cases from before packs were remembered ("") are adopted by the pack when it has their
criterion, the way they were always read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.app.clock import Clock
from bot.core.rubric import Rubric
from storage.repository import Repository


@dataclass(frozen=True)
class Orphan:
    """Cases held under a criterion the configured pack does not give them."""

    rubric_key: str  # the pack they were recorded under ("" for cases from before packs)
    criterion_key: str
    cases: int


class MigrationError(ValueError):
    """A --map the pack cannot take: `key` names the template, `word` the offending part."""

    def __init__(self, key: str, word: str) -> None:
        super().__init__(word)
        self.key, self.word = key, word


def orphans(repo: Repository, rubric: Rubric) -> list[Orphan]:
    """The criteria whose cases do not belong to `rubric`, after adopting legacy cases."""
    known = {c.key for c in rubric.criteria}
    repo.cases.adopt(rubric.key, known)
    return [
        Orphan(pack, key, count)
        for pack, key, count in repo.cases.criteria_held()
        if pack != rubric.key or key not in known
    ]


def parse_map(pairs: list[str], rubric: Rubric, found: list[Orphan]) -> dict[str, str]:
    """`OLD=NEW` pairs checked: OLD an orphaned criterion, NEW one of the pack's."""
    mapping: dict[str, str] = {}
    orphaned = {o.criterion_key for o in found}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise MigrationError("cli_migrate_bad_pair", pair)
        if old not in orphaned:
            raise MigrationError("cli_migrate_not_orphan", old)
        if rubric.criterion(new) is None:
            raise MigrationError("cli_migrate_unknown", new)
        mapping[old] = new
    return mapping


def migrate(
    repo: Repository, rubric: Rubric, clock: Clock, mapping: Mapping[str, str], actor: str
) -> int:
    """Move the orphaned cases of each OLD criterion under NEW in the pack; audited."""
    moved = repo.cases.remap(mapping, rubric.key, now=clock.now())
    repo.governance.audit(
        actor=actor,
        action="rubric_migrate",
        at=clock.now(),
        scope=f"pack:{rubric.key}",
        detail="; ".join(f"{old} -> {new}" for old, new in mapping.items()) + f" ({moved} cases)",
    )
    return moved

"""Reading evidence back: summaries, `me`, exports and erasure, each authorised and audited.

Every read of someone else's evidence is written to the audit log (DESIGN.md invariant 4).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app.clock import Clock
from bot.core.commands import Command
from bot.core.cycles import Cycle, current_cycle, resolve_cycle, retention_boundary
from bot.core.messages import Reply
from bot.core.model import CaseState, EvidenceRecord
from bot.core.permissions import Access, Grant, Scope, grant_for
from bot.core.rubric import Rubric
from bot.core.summaries import (
    EVERY_CASE,
    NEWEST_CASES,
    HiddenCase,
    PersonSummary,
    Summary,
    Tally,
    summarise,
)
from storage.evidence import EvidenceFilter
from storage.exports import LocalTime
from storage.repository import Repository
from storage.trust import ERASED_PREFIX


class _CollectorPause:
    """Pause Python's cycle collector while a large summary is built.

    An organisation's summary makes about 150,000 small objects, none of them in a cycle
    (reference counting frees them), yet their number alone sets the collector off over the
    whole heap again and again: half of the time, measured. Concurrent pauses are counted;
    the last one out restores the collector as it was.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = True

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


collector_paused = _CollectorPause()


@dataclass(frozen=True)
class Erasure:
    """What `forget` did: the pseudonym, cases removed and renamed, stories still naming them
    as (case id, channel, story)."""

    pseudonym: str
    removed: int
    renamed: int
    mentions: tuple[tuple[int, str, str], ...]


class ReadError(Exception):
    """A read that cannot be answered; `reply` says why."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.key)
        self.reply = reply


class Reading:
    """Every read of people's evidence, authorised by role and audited: summaries, `me`,
    exports, retention and erasure. Chat, the CLI and exports all read through here.
    """

    def __init__(
        self,
        repo: Repository,
        rubric: Rubric,
        clock: Clock,
        *,
        timezone: str,
        admins: frozenset[str],
        retention_days: int = 0,
    ) -> None:
        self.repo, self.rubric, self.clock = repo, rubric, clock
        self.timezone, self.admins = timezone, admins
        self.retention_days = retention_days
        # Extra sources of managed channels, e.g. a Slack user group of managers.
        self.role_sources: list[Callable[[str], frozenset[str]]] = []

    def access(self, person: str) -> Access:
        access = self.repo.governance.access(person, admins=self.admins)
        extra = frozenset().union(*(source(person) for source in self.role_sources))
        if extra - access.managed_channels:
            access = replace(access, managed_channels=access.managed_channels | extra)
        below = self.repo.directory.reports(person)
        return replace(access, reports=below) if below else access

    def cycle(self, cycle_id: str | None) -> Cycle:
        named = self.repo.governance.cycles()
        if cycle_id is None:
            today = self.clock.now().astimezone(ZoneInfo(self.timezone)).date()
            return current_cycle(today, self.repo.governance.chosen_current())
        cycle = resolve_cycle(cycle_id, named)
        if cycle is None:
            raise ReadError(Reply("unknown_cycle", {"cycle": cycle_id}))
        return cycle

    def value_key(self, value: str | None) -> str | None:
        if value is None:
            return None
        found = self.rubric.value(value)
        if found is None:
            known = ", ".join(f"{v.key} ({v.name_zh})" for v in self.rubric.values)
            raise ReadError(Reply("unknown_value", {"value": value, "values": known}))
        return found.key

    def summary(
        self,
        reader: Access,
        scope: Scope,
        *,
        cycle_id: str | None = None,
        value: str | None = None,
        action: str = "summary",
    ) -> Summary:
        """The summary `reader` may see; refused reads raise ReadError. Audited."""
        grant = grant_for(reader, scope)
        if grant is None:
            key = "not_allowed_summary" if not reader.is_manager else "not_allowed_scope"
            raise ReadError(Reply(key))
        cycle = self.cycle(cycle_id)
        selection = EvidenceFilter(
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
            channels=grant.channels,
            nominee=scope.person,
            value_key=self.value_key(value),
        )
        summary = self._read(cycle, selection, scope, grant)
        self._audit(reader.person, action, scope, cycle, [p.person for p in summary.people])
        return summary

    def _read(self, cycle: Cycle, selection: EvidenceFilter, scope: Scope, grant: Grant) -> Summary:
        """The summary of a selection the reader may see: one person's every case, or many
        people's newest; who took part without a counted case; names; cases elsewhere."""
        evidence = self.repo.evidence
        per_person = EVERY_CASE if scope.person else NEWEST_CASES
        with (
            collector_paused,
            evidence.newest_meanwhile(selection, per_person) as newest_of,
        ):
            tally = Tally(self.rubric, selection.value_key).add(evidence.counts(selection))
            newest = newest_of(tally.people)
        people = set(tally.people) | {c.nominator for cases in newest.values() for c in cases}
        overlooked: set[str] = set()
        if scope.person is None and selection.channels is not None:  # a team's view
            took_part = evidence.took_part(selection) | self.repo.participants.in_channels(
                selection.channels, selection.starts_on, selection.ends_on
            )
            overlooked = took_part - set(tally.people)
            overlooked = {p for p in overlooked if not p.startswith(ERASED_PREFIX)}
        wanted = people | overlooked | {scope.person or ""} - {""}
        # an organisation's summary names thousands: one read of every name beats chunks
        people_store = self.repo.people
        names = people_store.every_name() if len(wanted) > 2_000 else people_store.names(wanted)
        summary = summarise(
            cycle,
            tally,
            newest,
            always_include=[scope.person] if scope.person else [],
            names=names,
            per_person=per_person,
        )
        summary = replace(
            summary,
            channels=grant.channels,
            without_evidence=tuple(sorted(overlooked, key=lambda p: (names.get(p, p), p))),
            people=self._elsewhere(summary, selection)
            if grant.channels is not None
            else summary.people,
        )
        return summary

    def _elsewhere(self, summary: Summary, selection: EvidenceFilter) -> tuple[PersonSummary, ...]:
        """A one-person summary read within some channels says how many cases about them lie
        outside them (a number only: their stories stay with those channels' managers)."""
        if selection.nominee is None:
            return summary.people
        everywhere = self.repo.evidence.total(replace(selection, channels=None))
        return tuple(
            replace(p, elsewhere=max(0, everywhere - p.total))
            if p.person == selection.nominee
            else p
            for p in summary.people
        )

    def summary_reply(self, author: str, command: Command) -> Reply:
        scope = Scope(person=command.person, channel=command.channel)
        try:
            summary = self.summary(
                self.access(author), scope, cycle_id=command.cycle, value=command.value
            )
        except ReadError as refused:
            return refused.reply
        return Reply("summary", {"summary": summary, "scope": scope})

    def me(self, person: str, *, cycle_id: str | None = None, value: str | None = None) -> Reply:
        """The cases about `person`, with those hidden from appraisal and why."""
        try:
            summary = self.summary(
                Access(person=person), Scope(person=person), cycle_id=cycle_id, value=value
            )
        except ReadError as refused:
            return refused.reply
        hidden = self.repo.cases.listing(
            starts_on=summary.cycle.starts_on,
            ends_on=summary.cycle.ends_on,
            nominee=person,
            states=(CaseState.HIDDEN,),
            limit=100,
        )
        if hidden:
            summary = replace(
                summary,
                hidden=tuple(
                    HiddenCase(c.id, c.nominator, c.story, c.nominated_on, c.hidden_reason)
                    for c in hidden
                ),
            )
        return Reply("me", {"summary": summary})

    def export_hint(self, author: str, cycle_id: str | None) -> Reply:
        if not self.access(author).is_manager:
            return Reply("not_allowed_export")
        try:
            cycle = self.cycle(cycle_id)
        except ReadError as refused:
            return refused.reply
        return Reply("export_elsewhere", {"cycle": cycle.id})

    def export(self, actor: str, cycle: Cycle) -> Iterator[EvidenceRecord]:
        """Every case in the cycle, for an operator (the CLI); the export is audited."""
        self._audit(actor, "export", Scope(), cycle, [])
        yield from self.repo.exports.records(
            EvidenceFilter(starts_on=cycle.starts_on, ends_on=cycle.ends_on), self._local(cycle)
        )

    def has_cases(self, cycle: Cycle) -> bool:
        """Whether the cycle holds a case at all: an empty export is said, never sent."""
        return self.repo.exports.any(cycle.starts_on, cycle.ends_on)

    def export_book(
        self, actor: str, cycle: Cycle, reader: Access | None = None
    ) -> tuple[Summary, Iterator[EvidenceRecord]]:
        """A cycle's totals per person and every case, for an admin (or, with `reader` a
        manager, of the channels they manage); audited once as an export."""
        reader = reader or Access(person=actor, is_admin=True)
        summary = self.summary(reader, Scope(), cycle_id=cycle.id, action="export")
        selection = EvidenceFilter(
            starts_on=cycle.starts_on, ends_on=cycle.ends_on, channels=summary.channels
        )
        return summary, self.repo.exports.records(selection, self._local(cycle))

    def export_csv(self, actor: str, cycle: Cycle, out: TextIO) -> int:
        """Every case in the cycle as CSV rows written to `out`, for an admin; audited.

        The database writes the rows (a million cases in seconds); returns how many.
        """
        self._audit(actor, "export", Scope(), cycle, [])
        labels = {c.key: (c.value_key, str(c.level), c.title_zh) for c in self.rubric.criteria}
        return self.repo.exports.write_csv(
            EvidenceFilter(starts_on=cycle.starts_on, ends_on=cycle.ends_on),
            out,
            leading=cycle.id,
            labels=labels,
            zone=self._local(cycle),
        )

    def _local(self, cycle: Cycle) -> LocalTime:
        """The cycle's time zone over every moment its cases may carry (edits come later)."""
        today = self.clock.now().date()
        return LocalTime(
            self.timezone,
            cycle.starts_on - timedelta(days=31),
            max(cycle.ends_on, today) + timedelta(days=400),
        )

    def forget(self, actor: str, person: str) -> Erasure:
        """Erase `person` for good, audited:

        - cases about them deleted; their nominations of others kept under a keyed pseudonym;
        - their roles and known name dropped, their id replaced in the audit log;
        - a marker (the pseudonym only) that makes ingestion drop anything about or by them,
          so no redelivery, edit or retry brings them back.
        Other people's stories that still mention them are listed for a person to review.
        """
        now = self.clock.now()
        names = self.repo.people.names([person])
        pseudonym = self.repo.trust.mark_erased(person, now=now)
        removed, renamed = self.repo.evidence.erase_person(
            person=person, pseudonym=pseudonym, now=now
        )
        self.repo.governance.drop_roles_of(person=person)
        self.repo.people.forget(person=person)
        self.repo.directory.forget(person=person)
        self.repo.reviews.forget(person=person, pseudonym=pseudonym)
        self.repo.outbox.forget(person=person)
        self.repo.held.forget(person=person)
        self.repo.participants.forget(person=person)
        self.repo.signins.forget(person=person)
        self.repo.governance.pseudonymise(person=person, pseudonym=pseudonym)
        ident = person.split(":", 1)[-1]
        needles = [ident, f"<@{ident}>", *names.values()]
        mentions = tuple(
            (row.id or 0, row.channel, row.story) for row in self.repo.evidence.mentioning(needles)
        )
        self.repo.governance.audit(
            actor=actor,
            action="forget",
            at=now,
            subjects=[pseudonym],
            detail=f"{removed} cases about them deleted, {renamed} nominations pseudonymised, "
            f"{len(mentions)} other stories mention them",
        )
        return Erasure(pseudonym, removed, renamed, mentions)

    def apply_retention(self, actor: str = "values-bot") -> tuple[date, int] | None:
        """Delete evidence of cycles closed more than BOT_RETENTION_DAYS ago; audited.

        Returns (the last day deleted, how many cases), or None when retention is off (0).
        """
        if self.retention_days <= 0:
            return None
        today = self.clock.now().astimezone(ZoneInfo(self.timezone)).date()
        through = retention_boundary(today, self.retention_days, self.repo.governance.cycles())
        removed = self.repo.evidence.purge(through=through)
        named = self.repo.governance.cycles()
        reviews = [
            r.cycle_id
            for r in self.repo.reviews.every()
            if (c := resolve_cycle(r.cycle_id, named)) is not None and c.ends_on <= through
        ]
        if reviews:
            self.repo.reviews.purge(reviews)
            self.repo.governance.audit(
                actor=actor,
                action="retention",
                at=self.clock.now(),
                scope=f"through {through.isoformat()}",
                detail=f"reviews of {', '.join(reviews)} deleted",
            )
        if removed:
            self.repo.governance.audit(
                actor=actor,
                action="retention",
                at=self.clock.now(),
                scope=f"through {through.isoformat()}",
                detail=f"{removed} cases deleted after {self.retention_days} days of retention",
            )
        return through, removed

    def audited(
        self, actor: str, action: str, scope: Scope, cycle: Cycle, people: list[str]
    ) -> None:
        """Write one audit entry for a read of other people's evidence (the web app's pages
        that read figures and names rather than a summary)."""
        self._audit(actor, action, scope, cycle, people)

    def _audit(
        self, actor: str, action: str, scope: Scope, cycle: Cycle, people: list[str]
    ) -> None:
        if scope.person == actor and scope.channel is None:
            return  # reading your own evidence is not a cross-person read
        label = scope.person or (f"#{scope.channel}" if scope.channel else "all")
        self.repo.governance.audit(
            actor=actor,
            action=action,
            at=self.clock.now(),
            scope=f"{label} cycle:{cycle.id}",
            subjects=[p for p in people if p != actor],
        )

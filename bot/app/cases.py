"""Changing a case after it was recorded, in chat or on the CLI, every change audited.

- Its author confirms a case the bot asked about (`record`), or says no (`discard`), takes it
  back (`undo`) or files it under another criterion of the pack (`move VALUE LEVEL`).
- A manager of its channel, or an admin, hides it from appraisal with a reason, restores it, or
  moves it; its author is told. A hidden case stays readable by the person it is about.
- The person it is about flags it for review; the channel's managers are told privately.

Without a case number (`c123`) a command means the author's newest case in the channel. A
case in a closed cycle cannot change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from bot.app.clock import Clock
from bot.app.reading import Reading
from bot.core.commands import Command
from bot.core.messages import Place, Reply
from bot.core.model import CaseState, DailyPost, StoredCase
from bot.core.rubric import Rubric, find_criterion
from storage.repository import Repository

MAX_REASON = 500
Frozen = Callable[[Place, date], Reply | None]


class CaseDesk:
    """Where a case is confirmed, withdrawn, moved, hidden, restored or flagged."""

    def __init__(
        self, repo: Repository, rubric: Rubric, clock: Clock, reading: Reading, frozen: Frozen
    ) -> None:
        self.repo, self.rubric, self.clock, self.reading = repo, rubric, clock, reading
        self.frozen = frozen

    def command(self, place: Place, author: str, command: Command) -> list[Reply]:
        if command.case is not None:
            return self._by_number(place, author, command)
        if command.name in ("hide", "restore", "flag"):
            return [Reply("case_number_needed", {"command": command.name})]
        pending = command.name in ("record", "discard")
        states = (CaseState.PENDING,) if pending else _OWN[command.name == "move"]
        cases = self.repo.cases.newest_by(place, author, states)
        if not cases:
            return [Reply("case_nothing_pending" if pending else "case_nothing_here")]
        if command.name == "record":
            return self.confirm(place, author, cases[0].message_id)
        if command.name in ("discard", "undo"):
            return self.withdraw(place, author, cases[0].message_id)
        return self.move(place, author, cases[0].message_id, command.text or "")

    # ---- by its author, by message (chat buttons and commands) --------------------------------

    def confirm(self, place: Place, author: str, message_id: str) -> list[Reply]:
        """The author said yes: the pending case counts; it is acknowledged as recorded."""
        cases = self._authors(place, author, message_id)
        if isinstance(cases, Reply):
            return [cases]
        nominees = self.repo.cases.confirm(place, message_id, now=self.clock.now())
        if not nominees:
            return [Reply("case_nothing_pending")]
        first = cases[0]
        return [
            Reply(
                "nomination_ack",
                {
                    "nominator": author,
                    "nominees": tuple(nominees),
                    "story": first.story,
                    "link": first.link,
                    "criterion_key": first.criterion_key,
                    "message_id": message_id,
                    "notify": True,
                },
            )
        ]

    def withdraw(self, place: Place, author: str, message_id: str) -> list[Reply]:
        cases = self._authors(place, author, message_id)
        if isinstance(cases, Reply):
            return [cases]
        pending = all(c.state == CaseState.PENDING for c in cases)
        nominees = self.repo.cases.withdraw(place, message_id, now=self.clock.now())
        if not nominees:
            return [Reply("case_nothing_here")]
        if pending:
            return [Reply("case_discarded")]
        self._audit(author, "case_withdraw", cases[0], nominees, "withdrawn by its author")
        return [Reply("case_withdrawn", {"nominees": tuple(nominees)})]

    def move(self, place: Place, author: str, message_id: str, to: str) -> list[Reply]:
        criterion = find_criterion(self.rubric, to)
        if criterion is None:
            return [Reply("case_unknown_criterion", {"text": to, "values": self._values()})]
        cases = self._authors(place, author, message_id)
        if isinstance(cases, Reply):
            return [cases]
        had = self.repo.cases.move_message(place, message_id, criterion.key, now=self.clock.now())
        nominees = tuple(c.nominee for c in cases)
        self._audit(author, "case_move", cases[0], nominees, f"{had} -> {criterion.key}")
        return [Reply("case_moved", {"nominees": nominees, "criterion_key": criterion.key})]

    def _authors(self, place: Place, author: str, message_id: str) -> list[StoredCase] | Reply:
        """The open cases of one of the author's messages, or why they cannot change."""
        cases = [c for c in self.repo.cases.of_message(place, message_id) if c.state in _OPEN]
        if not cases:
            return Reply("case_nothing_here")
        if cases[0].nominator != author:
            return Reply("case_not_yours")
        return self.frozen(place, cases[0].nominated_on) or cases

    # ---- by number: moderation, a nominee's flag, an author's own -----------------------------

    def _by_number(self, place: Place, actor: str, command: Command) -> list[Reply]:
        case = self.repo.cases.case(command.case or 0)
        if case is None or case.state not in _OPEN:
            return [Reply("case_not_found", {"case": command.case})]
        closed = self.frozen(case.place, case.nominated_on)
        if closed is not None:
            return [closed]
        if command.name == "flag":
            return self.flag(actor, case, command.text or "")
        own = case.nominator == actor
        if command.name in ("record", "discard", "undo") or (command.name == "move" and own):
            if not own:
                return [Reply("case_not_yours")]
            if command.name == "move":
                return self.move(case.place, actor, case.message_id, command.text or "")
            if command.name == "record":
                return self.confirm(case.place, actor, case.message_id)
            return self.withdraw(case.place, actor, case.message_id)
        if not self._moderates(actor, case):
            return [Reply("case_not_moderator")]
        if command.name == "hide":
            return self.hide(actor, case, command.text or "")
        if command.name == "restore":
            return self.restore(actor, case)
        return self.moderate_move(actor, case, command.text or "")

    def _moderates(self, actor: str, case: StoredCase) -> bool:
        access = self.reading.access(actor)
        return access.is_admin or case.channel_key in access.managed_channels

    def hide(self, actor: str, case: StoredCase, reason: str) -> list[Reply]:
        reason = " ".join(reason.split())[:MAX_REASON]
        if not reason:
            return [Reply("case_reason_needed", {"case": case.id})]
        if not self.repo.cases.hide(case.id, reason=reason, by=actor, now=self.clock.now()):
            return [Reply("case_not_hideable", {"case": case.id})]
        self._audit(actor, "case_hide", case, [case.nominee], reason)
        context = {"case": case.id, "nominee": case.nominee, "reason": reason}
        return [
            Reply("case_hidden", context),
            *self._tell(case.nominator, actor, "case_hidden_notice", context),
        ]

    def restore(self, actor: str, case: StoredCase) -> list[Reply]:
        if not self.repo.cases.restore(case.id, now=self.clock.now()):
            return [Reply("case_not_hidden", {"case": case.id})]
        self._audit(actor, "case_restore", case, [case.nominee], case.hidden_reason)
        context = {"case": case.id, "nominee": case.nominee}
        return [
            Reply("case_restored", context),
            *self._tell(case.nominator, actor, "case_restored_notice", context),
        ]

    def moderate_move(self, actor: str, case: StoredCase, to: str) -> list[Reply]:
        criterion = find_criterion(self.rubric, to)
        if criterion is None:
            return [Reply("case_unknown_criterion", {"text": to, "values": self._values()})]
        had = self.repo.cases.move(case.id, criterion.key, now=self.clock.now())
        self._audit(actor, "case_move", case, [case.nominee], f"{had} -> {criterion.key}")
        context = {"case": case.id, "nominees": (case.nominee,), "criterion_key": criterion.key}
        return [
            Reply("case_moved", context),
            *self._tell(case.nominator, actor, "case_moved_notice", context),
        ]

    def flag(self, actor: str, case: StoredCase, reason: str) -> list[Reply]:
        if case.nominee != actor:
            return [Reply("case_flag_not_yours")]
        reason = " ".join(reason.split())[:MAX_REASON]
        self.repo.cases.flag(case.id, reason=reason, by=actor, now=self.clock.now())
        self._audit(actor, "case_flag", case, [case.nominee], reason)
        managers = self.repo.governance.managers_of(case.channel_key)
        admins = sorted(self.reading.admins)
        context = {"case": case.id, "nominee": actor, "reason": reason, "story": case.story}
        notices = [
            Reply("case_flag_notice", context | {"to": person}, private=True)
            for person in dict.fromkeys(managers or admins)
            if person != actor
        ]
        return [Reply("case_flagged", {"case": case.id}), *notices]

    # ---- stories held for the next post --------------------------------------------------------

    def offer_held(self, post: DailyPost) -> int:
        """A post is out: the stories told before it, in its channel, are recorded under it as
        pending and each author is asked (one to one) to record theirs. Returns how many."""
        place = Place(post.platform, post.workspace, post.channel)
        now, offered = self.clock.now(), 0
        for held in self.repo.held.take(place):
            erased = self.repo.trust.erased([held.author, *held.nominees], now=now)
            nominees = [n for n in held.nominees if n not in erased]
            if held.author in erased or not nominees:
                continue
            stored = self.repo.evidence.record(
                place=place, message_id=held.message_id, nominees=nominees,
                nominator=held.author, daily_post_id=post.id, criterion_key=post.criterion_key,
                story=held.story, link=held.link, nominated_on=held.said_on, now=now,
                rubric_key=self.rubric.key, state=CaseState.PENDING,
            )  # fmt: skip
            if stored:
                context = {
                    "nominees": stored, "criterion_key": post.criterion_key,
                    "date": held.said_on.isoformat(), "story": held.story,
                }  # fmt: skip
                self.repo.outbox.add(held.author, "nomination_held_ready", context, now=now)
                offered += 1
        return offered

    # ---- helpers ------------------------------------------------------------------------------

    def _tell(self, person: str, actor: str, key: str, context: dict[str, object]) -> list[Reply]:
        """A notice for `person` (the platform sends it one to one), unless they did it."""
        if person == actor:
            return []
        return [Reply(key, context | {"to": person, "by": actor})]

    def _audit(
        self, actor: str, action: str, case: StoredCase, subjects: Iterable[str], detail: str
    ) -> None:
        self.repo.governance.audit(
            actor=actor,
            action=action,
            at=self.clock.now(),
            scope=f"case:{case.id} #{case.channel_key}",
            subjects=list(subjects),
            detail=detail,
        )

    def _values(self) -> str:
        return ", ".join(f"{v.key} ({v.name_zh})" for v in self.rubric.values)


_OPEN = (CaseState.ACTIVE, CaseState.PENDING, CaseState.HIDDEN)
_OWN = {False: (CaseState.ACTIVE, CaseState.PENDING), True: _OPEN}  # undo's, move's

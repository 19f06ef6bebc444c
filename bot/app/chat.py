"""The values service as a chat platform sees it: the only door from an adapter to the data.

Adapters hand it messages and commands, and ask it what answering needs (a channel's switches,
names, the newest post, an export as a file). They never see the repository or its rows: what
comes back is domain values (`bot.core.model`) and Replies.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from io import BytesIO
from typing import Protocol

from bot.app.conversation import ExportFile
from bot.app.export import write_book
from bot.app.reading import ReadError, Reading
from bot.app.service import ValuesService
from bot.app.spreadsheet import summary_workbook
from bot.core.commands import CommandError, parse_command
from bot.core.messages import Incoming, Place, Reply
from bot.core.model import DailyPost, Subscription
from bot.core.rubric import Rubric
from bot.core.summaries import Summary
from bot.words.templates import Templates

SEEN_MAX = 100_000  # (person, channel, day) remembered in memory before starting afresh


class Replays(Protocol):
    def first_use(
        self, *, platform: str, stamp: str, signature: str, now: datetime, until: datetime
    ) -> bool: ...

    def release(self, *, platform: str, stamp: str, signature: str) -> None: ...


class ChatService:
    """What every chat platform may ask of the application."""

    def __init__(self, service: ValuesService, templates: Templates) -> None:
        self.service, self.templates = service, templates
        self._seen: set[tuple[Place, str, date]] = set()
        self._seen_lock = threading.Lock()

    # ---- what the service is configured with ---------------------------------------------------

    @property
    def rubric(self) -> Rubric:
        return self.service.rubric

    @property
    def reading(self) -> Reading:
        return self.service.reading

    @property
    def min_story(self) -> int:
        return self.service.options.min_story

    @property
    def timezone(self) -> str:
        return self.service.options.timezone

    def now(self) -> datetime:
        return self.service.clock.now()

    # ---- messages and commands ---------------------------------------------------------------

    def handle(self, incoming: Incoming) -> list[Reply]:
        return self.service.handle(incoming)

    def command(self, place: Place, author: str, text: str) -> list[Reply]:
        return self.service.command(place, author, text)

    def with_suggestion(self, ack: Reply) -> Reply:
        return self.service.with_suggestion(ack)

    def seen(self, incoming: Incoming) -> None:
        """Its author wrote in a channel today: remembered once a day per person and channel
        (after the message is answered, off the path that stores it)."""
        on = self.service.local_date(incoming)
        key = (incoming.place, incoming.author, on)
        with self._seen_lock:
            if key in self._seen:
                return
            if len(self._seen) > SEEN_MAX:
                self._seen.clear()
            self._seen.add(key)
        self.service.repo.participants.seen(incoming.place, incoming.author, on)

    def case_action(self, place: Place, author: str, message_id: str, action: str) -> list[Reply]:
        """A button under a case: `record`, `discard`, `undo`, or `move:KEY` (its author's)."""
        desk = self.service.desk
        if action == "record":
            return desk.confirm(place, author, message_id)
        if action in ("discard", "undo"):
            return desk.withdraw(place, author, message_id)
        if action.startswith("move:"):
            return desk.move(place, author, message_id, action[5:])
        return []

    def export_file(self, author: str, words: str) -> ExportFile | Reply:
        """`export` in chat: the cycle as a spreadsheet for an admin, the channels they manage
        for a manager, or why not."""
        command = parse_command(words)
        if isinstance(command, CommandError):
            return Reply(command.key, {"word": command.word})
        reading = self.reading
        access = reading.access(author)
        if not access.is_manager:
            return Reply("not_allowed_export")
        try:
            cycle = reading.cycle(command.cycle)
        except ReadError as refused:
            return refused.reply
        if not reading.has_cases(cycle):
            return Reply("export_empty", {"cycle": cycle.id})
        out = BytesIO()
        names = self.service.repo.people.every_name()
        count = write_book(
            out, reading, names, self.templates, self.timezone, author, cycle, access
        )
        if count == 0:  # none in the channels this manager manages
            return Reply("export_empty", {"cycle": cycle.id})
        return ExportFile(f"values-{cycle.id}.xlsx", out.getvalue(), cycle.id, count)

    def summary_file(self, summary: Summary, names: Mapping[str, str]) -> bytes:
        """A summary as a spreadsheet (read, authorised and audited already)."""
        people = {p.person for p in summary.people} | {
            c.nominator for p in summary.people for c in p.newest
        }
        known = self.names(people) | dict(names)
        return summary_workbook(summary, self.templates, self.rubric, self.timezone, known)

    # ---- channels and posts --------------------------------------------------------------------

    def subscription(self, place: Place) -> Subscription | None:
        return self.service.repo.subscriptions.get(
            platform=place.platform, workspace=place.workspace, channel=place.channel
        )

    def subscriptions(self, platform: str) -> list[Subscription]:
        """The active subscriptions on one platform."""
        return [s for s in self.service.repo.subscriptions.list() if s.platform == platform]

    def subscribe_once(self, place: Place) -> Subscription:
        """`place` subscribed (again, with its old settings) if it is not."""
        sub = self.subscription(place)
        if sub is not None and sub.active:
            return sub
        return self.service.repo.subscriptions.save(
            platform=place.platform,
            workspace=place.workspace,
            channel=place.channel,
            post_at=sub.post_at if sub else "09:30",
            timezone=sub.timezone if sub else self.timezone,
            country=sub.country if sub else "CN",
            days_off=sub.days_off if sub else frozenset(),
            now=self.service.clock.now(),
        )

    def latest_post(self, place: Place) -> DailyPost | None:
        return self.service.repo.posts.latest(
            platform=place.platform, workspace=place.workspace, channel=place.channel
        )

    def newest_post(self, platform: str) -> DailyPost | None:
        """The newest post of any subscribed channel on `platform` (`today` one to one)."""
        latest: DailyPost | None = None
        for sub in self.subscriptions(platform):
            post = self.latest_post(Place(platform, sub.workspace, sub.channel))
            if post is not None and (latest is None or post.local_date > latest.local_date):
                latest = post
        return latest

    def last_message(self, place: Place, author: str) -> str | None:
        """The id of the author's newest stored message in `place` (to edit or delete it)."""
        return self.service.repo.evidence.last_message_by(place=place, author=author)

    # ---- people ------------------------------------------------------------------------------

    def names(self, people: Iterable[str]) -> dict[str, str]:
        return self.service.repo.people.names(people)

    def remember_names(self, names: Mapping[str, str]) -> None:
        self.service.repo.people.remember(names, now=self.service.clock.now())

    @property
    def replays(self) -> Replays:
        """Signed requests seen already, shared by every replica (the replay check)."""
        return self.service.repo.trust

    def add_role_source(self, source: Callable[[str], frozenset[str]]) -> None:
        """Channels a person manages by the platform's own word (a user group, say)."""
        self.reading.role_sources.append(source)

"""The conversation pipeline, written once for every chat platform.

A platform translates its payload into an `Incoming` (or a command's words) and hands it here
with `said`, its own handle on the message (who said it, where, how to answer). The pipeline:

1. stores the message before the platform is acknowledged (`message` returns once it is safe);
2. while the database is away, keeps the message for a retry, tells the author, and raises
   `StoreUnavailable` so the platform can ask for a redelivery (or keep its own copy);
3. logs the event, then answers on the background pool: a recorded nomination is confirmed and
   its nominees notified (per the channel's switch); anything else is answered in place;
4. routes `me`, `summary` and `export` privately, on the background pool, and turns an export
   into a file.

What is sent, to whom and how visibly is the platform's `Outbound` port.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from bot.app.background import Background
from bot.app.events import log_event
from bot.app.outage import StoreLater, database_away
from bot.core.messages import Incoming, Kind, Place, Reply
from storage.store import StoreUnavailable

__all__ = ["Conversation", "ExportFile", "Outbound", "StoreUnavailable"]

log = logging.getLogger(__name__)
PRIVATE_COMMANDS = ("me", "summary", "export", "web")  # answered one to one, never in a group
# answers in flight at once: the platforms' rate limits (Slack's reactions.add about one a
# second, DingTalk's QPS caps) make more pointless, and each extra thread costs every request
# CPU in switches (BENCHMARKS.md, ingest)
ANSWER_WORKERS = 4
NOMINATION = "nomination_ack"

S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


@dataclass(frozen=True)
class ExportFile:
    """A cycle's cases as a spreadsheet, made for the admin who asked."""

    name: str
    content: bytes
    cycle: str
    count: int


class Outbound(Protocol[S_contra]):
    """A platform's outbound port: how each kind of answer reaches people there."""

    def confirm(self, said: S_contra, ack: Reply) -> None:
        """A nomination was recorded: tell its author, and the channel too (if the platform
        does) unless `ack.private` (the channel keeps its cases private)."""

    def notify(self, said: S_contra, ack: Reply) -> None:
        """Tell the nominees they were nominated."""

    def answer(self, said: S_contra, reply: Reply) -> None:
        """Answer where the message was said (the platform decides how visibly)."""

    def answer_privately(self, said: S_contra, reply: Reply) -> None:
        """Answer only the author, one to one."""

    def tell(self, said: S_contra, person: str, reply: Reply) -> None:
        """Tell someone other than the author, one to one (a case hidden, a flag raised)."""

    def send_file(self, said: S_contra, file: ExportFile) -> None:
        """Send a file to the author only, and say it was sent."""


class Service(Protocol):
    """What the pipeline needs of the values service."""

    def handle(self, incoming: Incoming) -> list[Reply]: ...

    def command(self, place: Place, author: str, text: str) -> list[Reply]: ...

    def export_file(self, author: str, words: str) -> ExportFile | Reply: ...

    def with_suggestion(self, ack: Reply) -> Reply: ...

    def seen(self, incoming: Incoming) -> None: ...


def command_name(words: str) -> str:
    return (words.split() or ["help"])[0].lower()


class Conversation(Generic[S]):
    """Messages and commands from one platform, through the service, out through its port."""

    def __init__(
        self,
        service: Service,
        outbound: Outbound[S],
        *,
        name: str,
        workers: int = ANSWER_WORKERS,
        after: Callable[[Incoming, list[Reply]], None] | None = None,
    ) -> None:
        self.service, self.outbound, self.name = service, outbound, name
        self.work = Background(name, workers=workers)
        # looked up at each call, so a wrapped service.handle (a test's, a decorator) is used
        self.retry = StoreLater(lambda i: self.service.handle(i), self._stored, name=name)
        self._kept: dict[Hashable, S] = {}
        self._after = after

    def later(self, work: Callable[..., None], *args: Any) -> None:
        """Run after the acknowledgement; failures are logged, never raised at the platform."""
        self.work.submit(work, *args)

    def pending(self) -> int:
        return self.work.pending()

    def close(self, *, wait: bool = True) -> None:
        """Stop; `wait=False` after a shutdown's deadline drops answers not yet started."""
        self.retry.close()
        self.work.close(wait=wait)

    # ---- messages -----------------------------------------------------------------------------

    def message(self, incoming: Incoming, said: S, *, keep: bool = True) -> list[Reply]:
        """Store a message, then answer it later; returns what the service said.

        Raises StoreUnavailable when the database is away: with `keep`, the message is kept for
        a retry first and its author told (once, however often the platform redelivers it).
        """
        try:
            replies = self.service.handle(incoming)  # stored before the acknowledgement
        except Exception as error:
            if not database_away(error):
                raise
            if keep:
                self._kept[_key(incoming)] = said
                if self.retry.keep(incoming) and incoming.kind == Kind.MESSAGE:
                    self.later(self.outbound.answer, said, Reply("store_retrying"))
            raise StoreUnavailable(str(error)) from error
        log_event(incoming, replies)
        if replies:
            self.later(self.deliver, incoming, said, replies)
        if incoming.kind == Kind.MESSAGE:  # who took part: listed if they have no case
            self.later(self.service.seen, incoming)
        return replies

    def _stored(self, incoming: Incoming, replies: list[Reply]) -> None:
        """A kept message is in at last: answer it as if it had been stored at once."""
        said = self._kept.pop(_key(incoming), None)
        log_event(incoming, replies)
        if self._after is not None:
            self._after(incoming, replies)
        if said is not None and replies:
            self.deliver(incoming, said, replies)

    def deliver(self, _incoming: Incoming | None, said: S, replies: list[Reply]) -> None:
        """Send what the service said: confirmations, notices and refusals."""
        for reply in replies:
            if "to" in reply.context:  # a notice for someone else: a manager, an author
                self.outbound.tell(said, reply.context["to"], reply)
            elif reply.key != NOMINATION:
                self.outbound.answer(said, reply)
            else:
                self.outbound.confirm(said, self.service.with_suggestion(reply))
                if reply.context.get("notify", True):  # the channel's switch, as read
                    self.outbound.notify(said, reply)

    # ---- commands -----------------------------------------------------------------------------

    def command(self, place: Place, author: str, words: str, said: S) -> Reply | None:
        """A command's answer to show in place, or None: it is answered privately, later."""
        if command_name(words) in PRIVATE_COMMANDS:
            self.later(self._private, place, author, words, said)
            return None
        try:
            replies = self.service.command(place, author, words)
        except Exception as error:
            if not database_away(error):
                raise
            return Reply("store_unavailable")
        if replies[0].key == NOMINATION:  # a pending case confirmed: acknowledged as recorded
            self.later(self.deliver, None, said, replies)
            return None
        if len(replies) > 1:  # the rest are notices: an author told their case was hidden
            self.later(self.deliver, None, said, replies[1:])
        return replies[0]

    def _private(self, place: Place, author: str, words: str, said: S) -> None:
        """me / summary / export, answered to the author only; failures said, then raised."""
        try:
            if command_name(words) == "export":
                made = self.service.export_file(author, words)
                if isinstance(made, Reply):
                    self.outbound.answer_privately(said, made)
                else:
                    self.outbound.send_file(said, made)
                return
            self.outbound.answer_privately(said, self.service.command(place, author, words)[0])
        except Exception as error:
            key = "store_unavailable" if database_away(error) else "command_failed"
            self.outbound.answer_privately(said, Reply(key))
            raise


def _key(incoming: Incoming) -> Hashable:
    place = incoming.place
    return (place.platform, place.workspace, place.channel, incoming.message_id)

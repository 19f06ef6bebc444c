"""The platform contract: what every chat platform tells, and does for, the rest of values-bot.

A platform is a package under `bot/platforms/<name>/` whose `__init__` defines `PLATFORM`, a
`Platform` value, plus one line in `bot.platforms.registry` (and its template file). Settings,
`values-bot run`, the HTTP server and the CLI ask the registry; none of them names a platform.

`Platform.start` returns a `Running` platform: its outbound port is inside (the conversation
pipeline of `bot.app.conversation` drives it), its HTTP routes are mounted by `bot.ops.web`, and
its socket (Slack Socket Mode, DingTalk Stream mode) is opened and closed by `values-bot run`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the registry is read by settings: it stays light to import
    from bot.app.background import Background
    from bot.app.chat import ChatService
    from bot.app.outage import StoreLater
    from bot.app.posting import Poster
    from bot.core.directory import Member
    from bot.core.messages import Reply
    from bot.ops.env import Reader
    from bot.ops.shutdown import Deadline
    from bot.ops.web import Route


class Section(Protocol):
    """A platform's own settings, read and checked by the platform."""

    @property
    def enabled(self) -> bool:
        """Its credentials are set: `values-bot run` starts it."""

    def half_given(self) -> list[str]:
        """Credentials given in part (said, rather than opening the console)."""

    def problems(self, *, http: bool) -> list[str]:
        """What is missing or a placeholder for the mode about to start."""


@dataclass(frozen=True)
class NoSettings:
    """A platform with nothing to configure (the console)."""

    enabled: bool = False

    def half_given(self) -> list[str]:
        return []

    def problems(self, *, http: bool) -> list[str]:
        return []


class PeopleSource(Protocol):
    """A platform's directory: who an e-mail is, and (where it can tell) everyone's manager."""

    def by_email(self, email: str) -> str | None:
        """The person (`NAME:ID`) with this work e-mail, or None."""

    def members(self) -> list[Member]:
        """Everyone, with their direct manager and department ([] where it cannot tell)."""


class CannotStart(Exception):
    """A platform refused to start; the message says why, in the operator's words."""


@dataclass(frozen=True)
class Host:
    """What `values-bot run` hands a platform it starts."""

    chat: ChatService
    settings: Any  # the platform's own Section
    spool_dir: str  # where messages acknowledged but not yet stored are kept


class Running(Protocol):
    """A started platform, as `values-bot run` and the HTTP server drive it."""

    name: str

    @property
    def work(self) -> Background: ...

    @property
    def retry(self) -> StoreLater: ...

    def poster_for(self, platform: str) -> Poster | None: ...

    def tell(self, person: str, reply: Reply) -> None:
        """One to one to a person on this platform (a notice the CLI left in the outbox)."""

    def routes(self) -> Mapping[str, Route]:
        """HTTP mode: path → handler, mounted by bot.ops.web."""

    def http_greeting(self, base: str) -> str:
        """The line `run --http` prints: where the platform should send its events."""

    def open_socket(self, stopping: threading.Event) -> str:
        """Socket/Stream mode: connect (until `stopping`), and the line to print."""

    def close_socket(self, deadline: Deadline) -> None:
        """Stop taking messages from the socket, within `deadline`."""

    def close(self, *, wait: bool = True) -> None: ...


@dataclass(frozen=True)
class Platform:
    """A chat platform: its name, CLI hints, settings, and how it starts and posts."""

    name: str  # the prefix of its people and channels: `NAME:ID`
    channel_example: str  # a channel id as the platform writes it, e.g. C024BE91L
    person_example: str  # a person id, e.g. U024BE7LH
    workspace_hint: str  # what `--workspace` means on this platform
    read_settings: Callable[[Reader], Section] = lambda _read: NoSettings()
    start: Callable[[Host], Running] | None = None  # None: not started by `values-bot run`
    poster: Callable[[ChatService, Any], Poster | None] = lambda _chat, _settings: None
    # the workspace of a channel on this platform when the CLI is not told: fixed (the only
    # one there is), or asked of the platform when no subscription says; None: cannot tell
    own_workspace: Callable[[Any], str | None] | None = None
    fixed_workspace: bool = False
    workspace_unknown: str = ""  # what to say when own_workspace cannot tell
    post_refused: str = "post_refused"  # the template for a post the platform refused
    loggers: tuple[str, ...] = ()  # its SDKs' loggers, kept at WARNING unless LOG_LEVEL=DEBUG
    # a chat in this terminal (runtime, its settings, `run --as`): the registry's INTERACTIVE
    chat_here: Callable[[Any, Any, str | None], int] | None = None
    # the platform's directory, for `values-bot people` (its settings in, a Directory out)
    directory: Callable[[Any], PeopleSource] | None = None

    def person(self, ident: str) -> str:
        """A person on this platform, written as the core keys people: `NAME:ID`."""
        return f"{self.name}:{ident}"

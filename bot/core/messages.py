"""What flows in and out of the service: neutral messages and replies (template key + context)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.nominations import Mention

MAX_ID = 64  # the size of the id columns (channel, workspace, message id): see storage.tables


def plain_id(value: object) -> str:
    """An id read from a payload (channel, user, message, team), or "" when it is not one.

    Ids are short printable strings: NUL, control and format characters, or a length longer
    than the database's id columns, mean the payload is not one we can store (PostgreSQL
    refuses NUL in text, and a too-long id would fail the insert: a 500, not a refusal).
    """
    if isinstance(value, str) and 0 < len(value) <= MAX_ID and value.isprintable():
        return value
    return ""


def plain_name(value: object, limit: int = 200) -> str:
    """A display name from a payload with its unprintable characters dropped, at most `limit`."""
    text = value if isinstance(value, str) else ""
    return "".join(ch for ch in text if ch.isprintable()).strip()[:limit]


@dataclass(frozen=True)
class Place:
    """Where a message was said: a channel (or group chat) on a platform and workspace."""

    platform: str
    workspace: str
    channel: str

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.channel}"


class Kind(StrEnum):
    """What a chat message is to the evidence it may hold."""

    MESSAGE = "message"  # new
    EDIT = "edit"
    DELETE = "delete"


@dataclass(frozen=True)
class Incoming:
    """A chat message as the core sees it.

    `kind` says whether it is new, an edit or a deletion. `thread_of` is the id of the message
    replied to (the daily post, on platforms with threads); None means "the channel's latest
    post".
    """

    place: Place
    author: str
    message_id: str
    text: str
    at: datetime
    mentions: list[Mention] = field(default_factory=list)
    kind: Kind = Kind.MESSAGE
    thread_of: str | None = None
    link: str = ""
    bots: frozenset[str] = frozenset()  # mentioned people the platform knows to be bots
    revised: datetime | None = None  # an edit's own time: edits may arrive out of order
    criterion_key: str | None = None  # its author's own choice of criterion (a form's menu)


@dataclass(frozen=True)
class Reply:
    """Something to tell a person: a template key, its context, and whether only they see it."""

    key: str
    context: dict[str, Any] = field(default_factory=dict)
    private: bool = True

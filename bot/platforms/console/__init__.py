"""The console chat: one channel, #console, in a terminal (bot.platforms.console.chat)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.platforms.base import Platform

if TYPE_CHECKING:
    from bot.app.chat import ChatService
    from bot.app.posting import Poster
    from bot.ops.env import Reader
    from bot.platforms.base import Section


def _poster(chat: ChatService, _settings: Any) -> Poster:
    import sys

    from bot.platforms.console.chat import Console

    return Console(chat, sys.stdout).poster()


def _read(read: Reader) -> Section:
    from bot.platforms.console.run import ConsoleSettings

    return ConsoleSettings.read(read)


def _chat_here(runtime: Any, settings: Any, speaker: str | None) -> int:
    """`runtime`: the composition root's (chat, posts, settings)."""
    from bot.platforms.console.run import chat_here

    return chat_here(
        runtime.chat,
        runtime.posts,
        speaker=speaker or settings.user,
        database=runtime.settings.database_url,
        tick_seconds=runtime.settings.tick_seconds,
    )


PLATFORM = Platform(
    name="console",
    channel_example="console",
    person_example="bob",
    workspace_hint="local",
    poster=_poster,
    own_workspace=lambda _settings: "local",
    fixed_workspace=True,
    read_settings=_read,
    chat_here=_chat_here,
)

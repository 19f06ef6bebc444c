"""`values-bot run` with no platform configured: the chat in this terminal, posts on schedule."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from bot.app.chat import ChatService
from bot.app.posting import DailyPosts
from bot.app.scheduler import start_ticking
from bot.ops.env import Reader
from bot.ops.shutdown import Stop, Stopping
from bot.platforms.console.chat import Console


@dataclass(frozen=True)
class ConsoleSettings:
    """BOT_CONSOLE_USER: who speaks when the console starts (`run --as` overrides it)."""

    user: str = "me"
    enabled: bool = False  # never started by `values-bot run` on a platform's behalf

    @classmethod
    def read(cls, read: Reader) -> ConsoleSettings:
        return cls(user=read.text("BOT_CONSOLE_USER", "me"))

    def half_given(self) -> list[str]:
        return []

    def problems(self, *, http: bool) -> list[str]:
        return []


def chat_here(
    chat: ChatService, posts: DailyPosts, *, speaker: str, database: str, tick_seconds: int
) -> int:
    """Chat in this terminal until /quit, end of input or a stop signal."""
    console = Console(chat, sys.stdout, speaker=speaker, posts=posts, database=database)
    console.start()
    scheduler = start_ticking(posts, console.poster_for, seconds=tick_seconds)
    stopping = Stopping().install()
    try:
        console.loop(_typed_lines(console, stopping))
    except (Stop, KeyboardInterrupt):
        pass
    finally:
        scheduler.shutdown(wait=True)  # a post being written is finished first
        logging.getLogger("bot.run").info("event=stopped signal=%s", stopping.signal or "none")
    return 0


def _typed_lines(console: Console, stopping: Stopping) -> Iterator[str]:
    """Lines from the terminal, with a prompt naming the speaker; piped input gets no prompt.
    A stop signal ends the wait for a line at once, and never a line being handled."""
    interactive = sys.stdin.isatty()
    while not stopping.event.is_set():
        stopping.raise_in_main = True
        try:
            line = input(f"{console.speaker}> " if interactive else "")
        except EOFError:
            return
        finally:
            stopping.raise_in_main = False
        yield line

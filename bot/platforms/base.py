"""What every chat platform tells the rest of values-bot about itself.

A platform is a package under `bot/platforms/<name>/` whose `__init__` defines `PLATFORM`, a
`Platform` value, and one line in `bot.platforms.registry`. The CLI takes platform names,
examples of how a channel and a person are written, and the workspace hint from here, so a
new platform needs no edit in `bot/cli/`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """A chat platform's name and its CLI hints."""

    name: str  # the prefix of its people and channels: `NAME:ID`
    channel_example: str  # a channel id as the platform writes it, e.g. C024BE91L
    person_example: str  # a person id, e.g. U024BE7LH
    workspace_hint: str  # what `--workspace` means on this platform

    def person(self, ident: str) -> str:
        """A person on this platform, written as the core keys people: `NAME:ID`."""
        return f"{self.name}:{ident}"

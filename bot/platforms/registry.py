"""The platforms values-bot knows: adding one is a package and one line here."""

from __future__ import annotations

from bot.platforms import console, dingtalk, slack
from bot.platforms.base import Platform

PLATFORMS: dict[str, Platform] = {
    p.name: p for p in (console.PLATFORM, slack.PLATFORM, dingtalk.PLATFORM)
}


def names() -> tuple[str, ...]:
    return tuple(PLATFORMS)

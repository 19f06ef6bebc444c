"""The platforms values-bot knows: adding one is a package and one line here."""

from __future__ import annotations

from bot.platforms import console, dingtalk, slack
from bot.platforms.base import Platform

PLATFORMS: dict[str, Platform] = {
    p.name: p for p in (console.PLATFORM, slack.PLATFORM, dingtalk.PLATFORM)
}


INTERACTIVE = console.PLATFORM.name  # what `values-bot run` starts when no platform is set


def names() -> tuple[str, ...]:
    return tuple(PLATFORMS)

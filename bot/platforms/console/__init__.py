"""The console chat: one channel, #console, in a terminal (bot.platforms.console.chat)."""

from bot.platforms.base import Platform

PLATFORM = Platform(
    name="console", channel_example="console", person_example="bob", workspace_hint="local"
)

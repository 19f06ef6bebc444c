"""The Slack adapter: translate (payloads in), render (Block Kit out), the Bolt app."""

from bot.platforms.base import Platform

PLATFORM = Platform(
    name="slack",
    channel_example="C024BE91L",
    person_example="U024BE7LH",
    workspace_hint="Slack team id T…",
)

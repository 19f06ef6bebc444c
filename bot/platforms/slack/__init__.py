"""The Slack adapter: translate (payloads in), render (Block Kit out), the Bolt app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.platforms.base import Host, PeopleSource, Platform
from bot.platforms.slack.settings import SlackSettings

if TYPE_CHECKING:
    from bot.app.chat import ChatService
    from bot.app.posting import Poster
    from bot.platforms.slack.app import SlackBot


def _start(host: Host) -> SlackBot:
    from bot.platforms.slack.app import start

    return start(host)


def _poster(chat: ChatService, settings: SlackSettings) -> Poster:
    from bot.platforms.slack.app import poster

    return poster(chat, settings)


def _workspace(settings: SlackSettings) -> str | None:
    from bot.platforms.slack.app import workspace

    return workspace(settings)


def _people(settings: Any) -> PeopleSource:
    from bot.platforms.slack.directory import people

    return people(settings)


PLATFORM = Platform(
    name="slack",
    channel_example="C024BE91L",
    person_example="U024BE7LH",
    workspace_hint="Slack team id T…",
    read_settings=SlackSettings.read,
    start=_start,
    directory=_people,
    poster=_poster,
    own_workspace=_workspace,
    workspace_unknown=(
        "Cannot tell which Slack workspace this is: set SLACK_BOT_TOKEN (and SLACK_API_URL) so "
        "values-bot can ask Slack, or pass --workspace T…"
    ),
    loggers=("slack_bolt", "slack_sdk"),
)
